"""Charging in three phases, so no database lock is ever held across a gateway call:

1. a short transaction locks the payment, skips it if final, marks it
   PROCESSING and commits a new attempt row;
2. the gateway is called with no transaction open;
3. a short transaction records the outcome and settles what was paid for.

Settling is idempotent: the task, a redelivered task and a webhook may all
report the same success, and only the first changes anything.
"""

import contextlib
import logging
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from orders.models import Order
from orders.services import order_cancel, order_mark_paid
from payments.gateways import TransientGatewayError, get_gateway
from payments.locks import checkout_qs_for_update, payment_qs_for_update
from payments.models import Checkout, Payment, PaymentAttempt
from payments.services.creation import payment_create_topup
from payments.services.enqueue import enqueue_on_commit
from wallets.locks import wallet_qs_for_update
from wallets.models import Transfer, Wallet
from wallets.services import (
    system_wallet,
    transfer,
    wallet_deposit,
    wallet_get_or_create_many,
)

logger = logging.getLogger("kassa.payments")
S = Payment.Status


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    TRANSIENT = "transient_error"
    PENDING = "pending"
    SKIPPED = "skipped"


def _log(payment_id, attempt, outcome, **extra) -> None:
    details = " ".join(f"{k}={v}" for k, v in extra.items())
    logger.info(
        "payment_step payment_id=%s attempt=%s outcome=%s %s", payment_id, attempt, outcome, details
    )


def _finish_attempt(attempt_id, outcome: str, *, response=None, error: str = "") -> None:
    if attempt_id is None:
        return
    PaymentAttempt.objects.filter(pk=attempt_id, finished_at__isnull=True).update(
        outcome=outcome,
        finished_at=timezone.now(),
        gateway_response=response or {},
        error_message=error[:255],
    )


def _not_payable_reason(payment: Payment) -> str:
    if (
        payment.purpose == Payment.Purpose.ORDER
        and payment.order.status != Order.Status.PAYMENT_PENDING
    ):
        return f"the order is {payment.order.status}"
    return ""


def payment_process(*, payment_id) -> Outcome:
    """Run one attempt. Returns its outcome; TRANSIENT means "retry me"."""
    with transaction.atomic():
        payment = payment_qs_for_update().select_related("order").get(pk=payment_id)
        if payment.status in Payment.FINAL:
            _log(payment_id, "-", Outcome.SKIPPED, status=payment.status)
            return Outcome.SKIPPED
        number = payment.attempts.count() + 1
        attempt = PaymentAttempt.objects.create(payment=payment, number=number)
        payment.status = S.PROCESSING
        payment.save(update_fields=["status", "updated_at"])

    if reason := _not_payable_reason(payment):
        payment_fail(
            payment_id=payment_id, code="not_payable", message=reason, attempt_id=attempt.pk
        )
        return Outcome.DECLINED
    if payment.method == Payment.Method.WALLET:
        return _pay_from_wallet(payment, attempt)

    try:
        result = get_gateway().charge(payment=payment, attempt=number)
    except TransientGatewayError as exc:
        _finish_attempt(attempt.pk, PaymentAttempt.Outcome.TRANSIENT_ERROR, error=str(exc))
        _log(payment_id, number, Outcome.TRANSIENT, error=repr(str(exc)))
        return Outcome.TRANSIENT

    _log(payment_id, number, result.outcome, reference=result.reference or "-")
    if result.outcome == "succeeded":
        payment_succeed(
            payment_id=payment_id,
            reference=result.reference,
            attempt_id=attempt.pk,
            response=result.summary,
        )
        return Outcome.SUCCEEDED
    if result.outcome == "declined":
        payment_fail(
            payment_id=payment_id,
            code="card_declined",
            message=result.message,
            attempt_id=attempt.pk,
            response=result.summary,
        )
        return Outcome.DECLINED
    Payment.objects.filter(pk=payment_id).update(gateway_reference=result.reference)
    _finish_attempt(attempt.pk, PaymentAttempt.Outcome.PENDING, response=result.summary)
    return Outcome.PENDING


def _pay_from_wallet(payment: Payment, attempt: PaymentAttempt) -> Outcome:
    """A checkout paid from the payer's wallet: no gateway, one ledger transfer."""
    try:
        payment_succeed(payment_id=payment.pk, attempt_id=attempt.pk)
    except ApplicationError as refused:  # insufficient funds
        payment_fail(
            payment_id=payment.pk, code=refused.code, message=refused.message, attempt_id=attempt.pk
        )
        _log(payment.pk, attempt.number, Outcome.DECLINED, reason=refused.code)
        return Outcome.DECLINED
    _log(payment.pk, attempt.number, Outcome.SUCCEEDED, method="wallet")
    return Outcome.SUCCEEDED


@transaction.atomic
def payment_succeed(
    *, payment_id, reference: str = "", attempt_id=None, response=None, event_at=None
) -> Payment:
    """Record a captured payment and deliver what it paid for. Idempotent.

    If the order was cancelled before the money arrived (its reservation
    expired), the payment is still recorded as captured and a full refund is
    sent back to the card.
    """
    payment = Payment.objects.select_related("order", "checkout").get(pk=payment_id)
    order_result = None
    if payment.purpose == Payment.Purpose.ORDER:
        order_result = order_mark_paid(order=payment.order)
    wallets = _lock_settlement_wallets(payment)
    checkout = None
    if payment.purpose == Payment.Purpose.CHECKOUT:
        checkout = checkout_qs_for_update().get(pk=payment.checkout_id)
    payment = payment_qs_for_update().get(pk=payment_id)
    _finish_attempt(attempt_id, PaymentAttempt.Outcome.SUCCEEDED, response=response)
    if payment.status in Payment.CAPTURED:
        return payment
    _settle(payment, wallets, checkout)
    payment.status = S.SUCCEEDED
    payment.gateway_reference = reference or payment.gateway_reference
    payment.failure_code = payment.failure_message = ""
    payment.last_event_at = max(filter(None, [payment.last_event_at, event_at]), default=None)
    payment.save()
    if order_result is not None and order_result.status != Order.Status.PAID:
        from payments.tasks import refund_payment_task

        enqueue_on_commit(refund_payment_task, str(payment.pk), "order cancelled before payment")
    return payment


def _lock_settlement_wallets(payment: Payment) -> dict:
    """Wallets the settlement moves money between, locked in pk order (wallets first)."""
    if payment.purpose == Payment.Purpose.ORDER:
        return {}  # order_mark_paid has done the order's ledger work
    if payment.method == Payment.Method.WALLET:
        source = wallet_get_or_create_many(users=[payment.payer], currency=payment.currency)[
            payment.payer_id
        ]
    else:
        source = system_wallet(name=Wallet.System.CARD_FUNDING, currency=payment.currency)
    wallets = [source]
    if payment.purpose == Payment.Purpose.CHECKOUT:
        merchant = payment.checkout.merchant
        wallets.append(
            wallet_get_or_create_many(users=[merchant], currency=payment.currency)[merchant.pk]
        )
    locked = {w.pk: w for w in wallet_qs_for_update().filter(pk__in=[w.pk for w in wallets])}
    return {"source": locked[source.pk], "target": locked[wallets[-1].pk]}


def _settle(payment: Payment, wallets: dict, checkout: Checkout | None) -> None:
    reference = f"payment:{payment.pk}"
    if payment.purpose == Payment.Purpose.TOPUP:
        wallet_deposit(
            user=payment.payer,
            amount=payment.amount,
            currency=payment.currency,
            funding=Wallet.System.CARD_FUNDING,
            reference=reference,
            description=payment.description or "Card top-up",
        )
    elif payment.purpose == Payment.Purpose.CHECKOUT:
        transfer(
            source=wallets["source"],
            target=wallets["target"],
            amount=payment.amount,
            kind=Transfer.Kind.PURCHASE,
            reference=reference,
            description=checkout.description,
            created_by=payment.payer,
        )
        checkout.status = Checkout.Status.COMPLETED
        checkout.save(update_fields=["status", "updated_at"])


@transaction.atomic
def payment_fail(
    *, payment_id, code: str, message: str = "", attempt_id=None, response=None, event_at=None
) -> Payment:
    """Record a final failure and undo what waited for the money: the order is
    cancelled (its stock released), the checkout FAILED. A payment already
    captured is never moved back."""
    payment = Payment.objects.select_related("order").get(pk=payment_id)
    if payment.status in Payment.CAPTURED:
        _finish_attempt(
            attempt_id, PaymentAttempt.Outcome.DECLINED, response=response, error=message
        )
        return payment
    if payment.purpose == Payment.Purpose.ORDER:
        # Already paid by another path: the captured-payment check below keeps it.
        with contextlib.suppress(ApplicationError):
            order_cancel(order=payment.order, actor=None, reason=f"payment failed: {code}")
    checkout = None
    if payment.purpose == Payment.Purpose.CHECKOUT:
        checkout = checkout_qs_for_update().get(pk=payment.checkout_id)
    payment = payment_qs_for_update().get(pk=payment_id)
    _finish_attempt(attempt_id, PaymentAttempt.Outcome.DECLINED, response=response, error=message)
    if payment.status in Payment.FINAL:
        return payment
    if checkout is not None and checkout.status != Checkout.Status.COMPLETED:
        checkout.status = Checkout.Status.FAILED
        checkout.save(update_fields=["status", "updated_at"])
    payment.status = S.FAILED
    payment.failure_code = code[:40]
    payment.failure_message = message[:255]
    payment.last_event_at = max(filter(None, [payment.last_event_at, event_at]), default=None)
    payment.save()
    _log(payment_id, "-", "failed", code=code)
    return payment


def payment_reconcile_stuck(*, now=None) -> int:
    """Re-enqueue payments left PENDING or PROCESSING too long (a crash between
    commit and enqueue, a lost worker, a broker that was down). Returns how many."""
    from payments.tasks import process_payment_task

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PAYMENT_STUCK_AFTER_SECONDS)
    stuck = list(
        Payment.objects.filter(
            status__in=[S.PENDING, S.PROCESSING], updated_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )
    for payment_id in stuck:
        with transaction.atomic():
            # Touching updated_at keeps the next run from sending it again at once.
            Payment.objects.filter(pk=payment_id).update(updated_at=now)
            enqueue_on_commit(process_payment_task, str(payment_id))
    if stuck:
        logger.warning("payments_reconciled count=%s", len(stuck))
    return len(stuck)


@transaction.atomic
def payment_retry(*, payment: Payment) -> Payment:
    """Staff's "retry now" for a payment whose retries ran out, while what it pays
    for can still be paid (a checkout; an order still waiting). Raises otherwise."""
    from payments.tasks import process_payment_task

    checkout = None
    if payment.purpose == Payment.Purpose.CHECKOUT:
        checkout = checkout_qs_for_update().get(pk=payment.checkout_id)
    payment = payment_qs_for_update().select_related("order").get(pk=payment.pk)
    if payment.status != S.FAILED or payment.failure_code != "retries_exhausted":
        raise ApplicationError(
            "Only payments whose retries ran out can be retried.", code="not_retryable", status=409
        )
    if (
        payment.purpose == Payment.Purpose.ORDER
        and payment.order.status != Order.Status.PAYMENT_PENDING
    ):
        raise ApplicationError(
            f"The order is {payment.order.status}; it can no longer be paid.",
            code="not_retryable",
            status=409,
        )
    if checkout is not None:
        if checkout.status != Checkout.Status.FAILED:
            raise ApplicationError(
                "The checkout is no longer waiting.", code="not_retryable", status=409
            )
        checkout.status = Checkout.Status.PROCESSING
        checkout.save(update_fields=["status", "updated_at"])
    payment.status = S.PENDING
    payment.failure_code = payment.failure_message = ""
    payment.save()
    enqueue_on_commit(process_payment_task, str(payment.pk))
    return payment


def wallet_topup_by_card(
    *, user, amount: int, currency: str, card_token: str, request_key: str, description: str = ""
) -> Payment:
    """Charge the card now (one attempt, in the request) and credit the wallet on
    success. A transient error schedules the usual retries; the same request_key
    resumes the same payment instead of charging again."""
    from payments.tasks import process_payment_task

    payment = payment_create_topup(
        payer=user,
        amount=amount,
        currency=currency,
        card_token=card_token,
        request_key=request_key,
        description=description,
    )
    if payment.status not in Payment.FINAL:
        outcome = payment_process(payment_id=payment.pk)
        if outcome == Outcome.TRANSIENT:
            with transaction.atomic():
                enqueue_on_commit(process_payment_task, str(payment.pk))
    payment.refresh_from_db()
    return payment
