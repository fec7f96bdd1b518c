"""Refunds. Card refunds run in three phases, like charges, so the books never
lag behind the gateway and no lock is held while it is called:

1. one transaction locks the wallets that give the money back, checks their
   balance, moves the amount into the REFUNDS_PENDING system wallet (a hold)
   and creates the PaymentRefund PENDING. Too little balance: insufficient_funds
   and nothing is sent to the gateway.
2. the gateway refund, with no transaction open, keyed by the refund's id.
3. one transaction: success moves the hold to card funding and records the
   refund on the payment and the order; a definitive refusal releases the hold
   back; a transient error leaves the refund PENDING for the retry task and
   the reconciler. Every path through phase 3 is idempotent.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum

from accounts.models import User
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.idempotency import IdempotencyErrorCode
from core.money import format_money
from core.task_names import SEND_REFUND_TO_GATEWAY
from orders.models import Order
from orders.services import order_refund_to_wallet
from payments.errors import PaymentErrorCode
from payments.locks import payment_qs_for_update
from payments.models import Outcome, Payment, PaymentRefund
from payments.services.refund_outcomes import refund_send_to_gateway
from payments.services.shares import refund_shares, sale_reference
from wallets.locks import wallets_lock
from wallets.models import Transfer, Wallet
from wallets.services import system_wallet, transfer_locked
from wallets.services.proceeds import pending_clearing_wallets, proceeds_settle_now_locked

logger = logging.getLogger("kassa.payments")
R = PaymentRefund.Status


def _pending_amount(payment: Payment) -> int:
    pending = payment.refunds.filter(status=R.PENDING).aggregate(s=Sum("amount"))
    return pending["s"] or 0


def _refundable(payment: Payment) -> int:
    return payment.amount - payment.refunded_amount - _pending_amount(payment)


def refund_order(
    *, order: Order, amount: int | None, actor: User | None, reason: str = "", request_key: str = ""
) -> PaymentRefund | None:
    """The one way to refund an order, for every caller (API, admin, dashboard).

    `amount` None: all that is left. Wallet orders are refunded through the
    ledger at once (returns None); card orders go through the gateway (returns
    the SUCCEEDED refund). Either way a part needs a single-merchant order. Raises:
    partial_refund_unsupported / refund_too_large (422), insufficient_funds,
    not_payable, invalid_transition, refund_failed (409), and gateway_unavailable
    (503) while the refund waits for the gateway; repeating the call with the same
    request_key resumes that refund, and a task retries it meanwhile. A refund
    the gateway took and answers later comes back PENDING, its money held.
    """
    if order.payment_method == Order.PaymentMethod.WALLET:
        order_refund_to_wallet(order=order, actor=actor, amount=amount, reason=reason)
        return None
    payment = order.payments.filter(status__in=Payment.CAPTURED, late_capture=False).first()
    if payment is None:
        raise ApplicationError(
            "This order has no captured card payment to refund.",
            code=PaymentErrorCode.NOT_PAYABLE,
            status=409,
        )
    refund = payment_refund_to_card(
        payment=payment, amount=amount, actor=actor, reason=reason, request_key=request_key
    )
    if refund.status == R.FAILED:
        raise ApplicationError(
            refund.failure_message or "The gateway refused the refund.",
            code=PaymentErrorCode.REFUND_FAILED,
            status=409,
            extra={"refund_id": str(refund.pk)},
        )
    if refund.status == R.PENDING and not refund.gateway_reference:
        raise ApplicationError(
            "The payment gateway did not answer. The refund is held and will be retried "
            "automatically; repeating this request with the same Idempotency-Key resumes it.",
            code=PaymentErrorCode.GATEWAY_UNAVAILABLE,
            status=503,
            extra={"refund_id": str(refund.pk), "refund_status": refund.status},
        )
    return refund


def payment_refund_to_card(
    *,
    payment: Payment,
    amount: int | None,
    actor: User | None,
    reason: str = "",
    request_key: str = "",
) -> PaymentRefund:
    """Refund `amount` (None: all that is left) of a captured card payment.

    Returns the refund SUCCEEDED, FAILED (the gateway said no; the hold went
    back) or PENDING (the gateway did not answer; the retry task is queued).
    A repeated request_key resumes the same refund. Raises for what phase 1
    refuses, with nothing held and nothing sent.
    """
    refund = _refund_hold(
        payment=payment, amount=amount, actor=actor, reason=reason, request_key=request_key
    )
    if refund_send_to_gateway(refund_id=refund.pk) == Outcome.TRANSIENT_ERROR:
        enqueue_on_commit(
            SEND_REFUND_TO_GATEWAY, str(refund.pk), countdown=settings.PAYMENT_RETRY_BASE_DELAY
        )
    refund.refresh_from_db()
    return refund


def _refund_too_large(refundable: int, pending: int, currency: str) -> ApplicationError:
    return ApplicationError(
        f"At most {format_money(refundable, currency)} can still be refunded"
        + (f" ({format_money(pending, currency)} is already being refunded)." if pending else "."),
        code=PaymentErrorCode.REFUND_TOO_LARGE,
        status=422,
        extra={"refundable": refundable, "pending": pending},
    )


def _check_refundable(payment: Payment, amount: int) -> None:
    """Rules read from the locked payment (and its order, which only a refund of
    this payment changes, under the same lock)."""
    if payment.status not in Payment.CAPTURED or payment.method != Payment.Method.CARD:
        raise ApplicationError(
            "Only captured card payments can be refunded.",
            code=PaymentErrorCode.NOT_PAYABLE,
            status=409,
        )
    refundable = _refundable(payment)
    if amount <= 0 or amount > refundable:
        raise _refund_too_large(refundable, _pending_amount(payment), payment.currency)
    order = payment.order
    if (
        order is not None
        and not payment.late_capture
        and amount < order.total - order.refunded_amount
        and len({item.merchant_id for item in order.items.all()}) > 1
    ):
        raise ApplicationError(
            "Orders with several merchants can only be refunded in full.",
            code=PaymentErrorCode.PARTIAL_REFUND_UNSUPPORTED,
            status=422,
        )


def _resumed(refund: PaymentRefund, amount: int | None) -> PaymentRefund:
    if amount is not None and amount != refund.amount:
        raise ApplicationError(
            "This Idempotency-Key was already used for a refund of another amount.",
            code=IdempotencyErrorCode.REUSED,
            status=422,
        )
    return refund


@transaction.atomic
def _refund_hold(
    *, payment: Payment, amount: int | None, actor: User | None, reason: str, request_key: str
) -> PaymentRefund:
    """Phase 1. Lock order: wallets → payments, as everywhere."""
    payment = Payment.objects.select_related("order", "checkout__merchant", "payer").get(
        pk=payment.pk
    )
    if request_key and (found := payment.refunds.filter(request_key=request_key).first()):
        return _resumed(found, amount)
    wanted = amount if amount is not None else _refundable(payment)
    _check_refundable(payment, wanted)  # fail fast, before any lock; again below
    shares = refund_shares(payment, wanted)
    holding = system_wallet(name=Wallet.System.REFUNDS_PENDING, currency=payment.currency)
    sale = sale_reference(payment)
    clearing = pending_clearing_wallets(reference=sale) if sale else []
    locked = wallets_lock([holding, *(share.wallet for share in shares), *clearing])
    if sale:
        # What the sale left pending is the merchants' first: settled now, so
        # the refund below takes from pending first, then available.
        proceeds_settle_now_locked(reference=sale, locked=locked)
    payment = payment_qs_for_update().select_related("order").get(pk=payment.pk)
    if amount is None:
        amount = _refundable(payment)
    if amount != wanted:
        # Another refund of this payment committed in between; the shares were
        # computed for the old amount. Nothing is written yet: say so plainly.
        raise _refund_too_large(_refundable(payment), _pending_amount(payment), payment.currency)
    _check_refundable(payment, amount)
    try:
        with transaction.atomic():
            refund = PaymentRefund.objects.create(
                payment=payment,
                amount=amount,
                reason=reason,
                created_by=actor,
                request_key=request_key,
            )
    except IntegrityError:  # the same key raced in: resume the one that won
        return _resumed(PaymentRefund.objects.get(payment=payment, request_key=request_key), amount)
    for share in shares:
        transfer_locked(
            source=locked[share.wallet.pk],
            target=locked[holding.pk],
            amount=share.amount,
            kind=Transfer.Kind.REFUND,
            reference=refund.ledger_reference,
            description=reason,
            created_by=actor,
        )
    logger.info("refund_held refund_id=%s payment_id=%s amount=%s", refund.pk, payment.pk, amount)
    return refund
