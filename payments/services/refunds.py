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
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.idempotency import IdempotencyErrorCode
from core.metrics import GATEWAY_SECONDS, RECONCILED, REFUNDS
from core.task_names import SEND_REFUND_TO_GATEWAY
from events.services import events_record
from orders.models import Order
from orders.services import order_record_card_refund, order_refund_to_wallet
from payments.errors import PaymentErrorCode
from payments.events import REFUND_FAILED, REFUND_SUCCEEDED, refund_events
from payments.gateways import TransientGatewayError, get_gateway
from payments.locks import payment_qs_for_update, refund_qs_for_update
from payments.models import Outcome, Payment, PaymentRefund
from payments.services.enqueue import requeue_stale
from payments.state import payment_set_refunded, refund_set_status
from wallets.locks import wallets_lock
from wallets.models import LedgerEntry, Transfer, Wallet
from wallets.services import system_wallet, transfer_locked, wallet_get_or_create_many
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

    Wallet orders are refunded in full through the ledger at once (returns None).
    Card orders go through the gateway (returns the SUCCEEDED refund). Raises:
    partial_refund_unsupported / refund_too_large (422), insufficient_funds,
    not_payable, invalid_transition, refund_failed (409), and gateway_unavailable
    (503) while the refund waits for the gateway; repeating the call with the same
    request_key resumes that refund, and a task retries it meanwhile.
    """
    if order.payment_method == Order.PaymentMethod.WALLET:
        if amount not in (None, order.total):
            raise ApplicationError(
                "Wallet orders are refunded in full.",
                code=PaymentErrorCode.PARTIAL_REFUND_UNSUPPORTED,
                status=422,
            )
        order_refund_to_wallet(order=order, actor=actor, reason=reason)
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
    if refund.status == R.PENDING:
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


@dataclass(frozen=True)
class _Share:
    wallet: Wallet
    amount: int


def _refund_shares(payment: Payment, amount: int) -> list[_Share]:
    """The wallets that received this payment's money and give `amount` back."""
    currency = payment.currency
    if payment.late_capture:
        # Nothing was settled: the money sits with the card network's side.
        funding = system_wallet(name=Wallet.System.CARD_FUNDING, currency=currency)
        return [_Share(funding, amount)]
    if payment.purpose == Payment.Purpose.TOPUP:
        receivers = {payment.payer_id: (payment.payer, amount)}
    elif payment.purpose == Payment.Purpose.CHECKOUT:
        receivers = {payment.checkout.merchant_id: (payment.checkout.merchant, amount)}
    else:
        receivers = _order_merchant_shares(payment.order, amount)
    wallets = wallet_get_or_create_many(
        users=[user for user, _ in receivers.values()], currency=currency
    )
    return [_Share(wallets[pk], share) for pk, (_, share) in receivers.items()]


def _sale_reference(payment: Payment) -> str:
    """The reference a merchant's pending proceeds from this payment carry ("" when
    it paid no merchant: a top-up, or a late capture that settled nothing)."""
    if payment.late_capture or payment.purpose == Payment.Purpose.TOPUP:
        return ""
    if payment.purpose == Payment.Purpose.CHECKOUT:
        return f"payment:{payment.pk}"
    return f"order:{payment.order_id}"


def _order_merchant_shares(order: Order, amount: int) -> dict:
    """{merchant pk: (merchant, share)}: a full first refund is split by the lines'
    subtotals; a partial one comes from the single merchant (checked by the caller)."""
    items = list(order.items.select_related("merchant"))
    if amount == order.total and order.refunded_amount == 0:
        shares: dict = {}
        for item in items:
            merchant, subtotal = shares.get(item.merchant_id, (item.merchant, 0))
            shares[item.merchant_id] = (merchant, subtotal + item.subtotal)
        return shares
    return {items[0].merchant_id: (items[0].merchant, amount)}


def _refund_too_large(refundable: int, pending: int) -> ApplicationError:
    return ApplicationError(
        f"At most {refundable} can still be refunded"
        + (f" ({pending} is already being refunded)." if pending else "."),
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
        raise _refund_too_large(refundable, _pending_amount(payment))
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
    shares = _refund_shares(payment, wanted)
    holding = system_wallet(name=Wallet.System.REFUNDS_PENDING, currency=payment.currency)
    sale = _sale_reference(payment)
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
        raise _refund_too_large(_refundable(payment), _pending_amount(payment))
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


def refund_send_to_gateway(*, refund_id) -> Outcome:
    """Phases 2 and 3 for a refund: ask the gateway, then record its answer.

    Safe to run any number of times, also at once (the API, the retry task and
    the reconciler): the gateway's idempotency key makes it one refund there,
    and phase 3 records it once. Returns TRANSIENT_ERROR when it should run again.
    """
    refund = PaymentRefund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != R.PENDING:
        return Outcome.SKIPPED
    try:
        with GATEWAY_SECONDS.labels("refund").time():
            result = get_gateway(refund.payment.gateway).refund(
                payment=refund.payment, refund=refund
            )
    except TransientGatewayError as exc:
        logger.warning("refund_transient refund_id=%s error=%r", refund.pk, str(exc))
        PaymentRefund.objects.filter(pk=refund.pk).update(updated_at=timezone.now())
        REFUNDS.labels(Outcome.TRANSIENT_ERROR).inc()
        return Outcome.TRANSIENT_ERROR
    REFUNDS.labels(result.outcome).inc()
    if result.outcome == Outcome.SUCCEEDED:
        _refund_record(refund_id=refund.pk, reference=result.reference)
    else:
        _refund_release(refund_id=refund.pk, message=result.message)
    return result.outcome


@transaction.atomic
def _refund_record(*, refund_id, reference: str) -> None:
    """Phase 3, success: the hold goes to card funding, the payment and the order
    record the refund."""
    # The refund row is locked first, out of the global order: nothing locks
    # refund rows while holding another lock, so this cannot deadlock, and it
    # makes recording the same refund twice impossible.
    refund = refund_qs_for_update().get(pk=refund_id)
    if refund.status != R.PENDING:
        return
    payment = Payment.objects.select_related("order").get(pk=refund.payment_id)
    holding = system_wallet(name=Wallet.System.REFUNDS_PENDING, currency=payment.currency)
    funding = system_wallet(name=Wallet.System.CARD_FUNDING, currency=payment.currency)
    locked = wallets_lock([holding, funding])
    transfer_locked(
        source=locked[holding.pk],
        target=locked[funding.pk],
        amount=refund.amount,
        kind=Transfer.Kind.REFUND,
        reference=refund.ledger_reference,
        description=refund.reason,
        created_by=refund.created_by,
    )
    if payment.order is not None and not payment.late_capture:
        order_record_card_refund(
            order=payment.order, amount=refund.amount, actor=refund.created_by, reason=refund.reason
        )
    payment = payment_qs_for_update().get(pk=payment.pk)
    payment_set_refunded(payment, payment.refunded_amount + refund.amount)
    refund_set_status(refund, R.SUCCEEDED, gateway_reference=reference)
    events_record(refund_events(refund, payment, _merchant_shares(refund), REFUND_SUCCEEDED))
    logger.info(
        "refund_recorded refund_id=%s payment_id=%s amount=%s", refund.pk, payment.pk, refund.amount
    )


@transaction.atomic
def _refund_release(*, refund_id, message: str) -> None:
    """Phase 3, definitive refusal: every wallet that funded the hold gets its
    share back, and the refund is FAILED."""
    refund = refund_qs_for_update().get(pk=refund_id)  # first, as in _refund_record
    if refund.status != R.PENDING:
        return
    currency = Payment.objects.values_list("currency", flat=True).get(pk=refund.payment_id)
    holding = system_wallet(name=Wallet.System.REFUNDS_PENDING, currency=currency)
    held = list(
        LedgerEntry.objects.filter(
            transfer__reference=refund.ledger_reference, amount__lt=0
        ).select_related("wallet")
    )
    locked = wallets_lock([holding, *(entry.wallet for entry in held)])
    for entry in held:
        transfer_locked(
            source=locked[holding.pk],
            target=locked[entry.wallet_id],
            amount=-entry.amount,
            kind=Transfer.Kind.REFUND_RELEASE,
            reference=refund.ledger_reference,
            description=f"refund refused: {message}"[:255],
        )
    refund_set_status(refund, R.FAILED, failure_message=message[:255])
    payment = Payment.objects.get(pk=refund.payment_id)
    events_record(refund_events(refund, payment, _merchant_shares(refund), REFUND_FAILED))
    logger.warning("refund_failed refund_id=%s message=%r", refund.pk, message)


def _merchant_shares(refund: PaymentRefund) -> dict:
    """{merchant pk: what their wallet put into the refund's hold}. A late
    capture's refund was held from the card funding wallet: no merchant's."""
    held = LedgerEntry.objects.filter(
        transfer__reference=refund.ledger_reference,
        transfer__kind=Transfer.Kind.REFUND,
        amount__lt=0,
        wallet__kind=Wallet.Kind.USER,
    ).values_list("wallet__owner_id", "amount")
    shares: dict = {}
    for owner_id, amount in held:
        shares[owner_id] = shares.get(owner_id, 0) - amount
    return shares


def refund_reconcile_stuck(*, now=None) -> int:
    """Re-enqueue refunds left PENDING too long (retries ran out while the gateway
    was down, a lost worker, a broker that was down). Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PAYMENT_STUCK_AFTER_SECONDS)
    stuck = PaymentRefund.objects.filter(status=R.PENDING, updated_at__lt=cutoff)
    count = requeue_stale(stuck, SEND_REFUND_TO_GATEWAY, now=now)
    RECONCILED.labels("refund").inc(count)
    if count:
        logger.warning("refunds_reconciled count=%s", count)
    return count
