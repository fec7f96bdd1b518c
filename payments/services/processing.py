"""Charging in three phases, so no database lock is ever held across a gateway call:

1. a short transaction locks the payment, skips it if final, marks it
   PROCESSING and commits a new attempt row;
2. the gateway is called with no transaction open;
3. a short transaction records the outcome and settles what was paid for.

Settling is idempotent: the task, a redelivered task and a webhook may all
report the same success, and only the first changes anything.
"""

import logging
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.metrics import GATEWAY_ERRORS, GATEWAY_SECONDS, PAYMENT_ATTEMPTS, RECONCILED
from core.task_names import PROCESS_PAYMENT, REFUND_LATE_CAPTURE, SIMULATED_DISPUTE_OPEN
from events.services import events_record
from orders.locks import order_qs_for_update
from orders.models import Order
from orders.services import order_mark_paid
from payments.errors import PaymentErrorCode
from payments.events import CHECKOUT_COMPLETED, CHECKOUT_FAILED, checkout_event
from payments.gateways import GatewayUnavailable, TransientGatewayError, get_gateway
from payments.locks import checkout_qs_for_update, payment_qs_for_update
from payments.models import Checkout, Outcome, Payment, PaymentAttempt
from payments.services.creation import payment_create_topup
from payments.services.enqueue import requeue_stale
from payments.state import checkout_set_status, payment_set_status
from wallets.errors import WalletErrorCode
from wallets.locks import wallets_lock
from wallets.models import Transfer, Wallet
from wallets.services import (
    deposit_amount_check,
    system_wallet,
    transfer_locked,
    wallet_get_or_create_many,
)
from wallets.services.proceeds import proceeds_credit_locked, sale_wallets_lock

logger = logging.getLogger("kassa.payments")
S = Payment.Status


def _log(payment_id, attempt, outcome, **extra) -> None:
    details = " ".join(f"{k}={v}" for k, v in extra.items())
    logger.info(
        "payment_step payment_id=%s attempt=%s outcome=%s %s", payment_id, attempt, outcome, details
    )


def _finish_attempt(attempt_id, outcome: Outcome, *, response=None, error: str = "") -> None:
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
    """Run one attempt. Returns its outcome; TRANSIENT_ERROR means "retry me"."""
    with transaction.atomic():
        payment = payment_qs_for_update().select_related("order").get(pk=payment_id)
        if payment.status in Payment.FINAL:
            _log(payment_id, "-", Outcome.SKIPPED, status=payment.status)
            return Outcome.SKIPPED
        number = payment.attempts.count() + 1
        attempt = PaymentAttempt.objects.create(payment=payment, number=number)
        payment_set_status(payment, S.PROCESSING)
    # Every log line of this attempt, the gateway library's included, names it.
    with structlog.contextvars.bound_contextvars(
        payment_id=str(payment.pk), order_id=str(payment.order_id or ""), attempt=number
    ):
        outcome = _attempt(payment, attempt)
    PAYMENT_ATTEMPTS.labels(outcome).inc()
    return outcome


def _attempt(payment: Payment, attempt: PaymentAttempt) -> Outcome:
    payment_id, number = payment.pk, attempt.number
    if reason := _not_payable_reason(payment):
        payment_fail(
            payment_id=payment_id,
            code=PaymentErrorCode.NOT_PAYABLE,
            message=reason,
            attempt_id=attempt.pk,
        )
        return Outcome.DECLINED
    if payment.method == Payment.Method.WALLET:
        return _pay_from_wallet(payment, attempt)

    gateway = get_gateway(payment.gateway)
    logger.info("gateway_charge gateway=%s", gateway.name)
    try:
        with GATEWAY_SECONDS.labels("charge").time():
            result = gateway.charge(payment=payment, attempt=number)
    except TransientGatewayError as exc:
        _finish_attempt(attempt.pk, Outcome.TRANSIENT_ERROR, error=str(exc))
        _log(payment_id, number, Outcome.TRANSIENT_ERROR, error=repr(str(exc)))
        return Outcome.TRANSIENT_ERROR
    except GatewayUnavailable as exc:
        return _wait_for_the_operator(payment, attempt, exc)

    _log(payment_id, number, result.outcome, reference=result.reference or "-")
    if result.outcome == Outcome.SUCCEEDED:
        payment_succeed(
            payment_id=payment_id,
            reference=result.reference,
            attempt_id=attempt.pk,
            response=result.summary,
        )
        if result.simulated_dispute:  # the simulated gateway's disputed test cards
            enqueue_on_commit(SIMULATED_DISPUTE_OPEN, str(payment_id), result.simulated_dispute)
    elif result.outcome == Outcome.DECLINED:
        payment_fail(
            payment_id=payment_id,
            code=PaymentErrorCode.CARD_DECLINED,
            message=result.message,
            attempt_id=attempt.pk,
            response=result.summary,
        )
    else:
        Payment.objects.filter(pk=payment_id).update(gateway_reference=result.reference)
        _finish_attempt(attempt.pk, Outcome.PENDING, response=result.summary)
    return result.outcome


# What the buyer reads when the gateway refused Kassa itself: never its text.
UNAVAILABLE_MESSAGE = "Card payments are unavailable right now; your order is kept."


def _wait_for_the_operator(payment: Payment, attempt: PaymentAttempt, exc) -> Outcome:
    """The gateway refused Kassa, not the card: nothing is declined or cancelled.
    The payment waits, PENDING; the reconciler tries it again later, and retries
    before then would only be refused the same way."""
    logger.error(
        "gateway_unavailable payment_id=%s kind=%s error=%r", payment.pk, exc.kind, str(exc)
    )
    GATEWAY_ERRORS.labels(exc.kind).inc()
    _finish_attempt(attempt.pk, Outcome.UNAVAILABLE, error=UNAVAILABLE_MESSAGE)
    with transaction.atomic():
        payment = payment_qs_for_update().get(pk=payment.pk)
        if payment.status == S.PROCESSING:
            payment_set_status(payment, S.PENDING)
    return Outcome.UNAVAILABLE


def _pay_from_wallet(payment: Payment, attempt: PaymentAttempt) -> Outcome:
    """A checkout paid from the payer's wallet: no gateway, one ledger transfer."""
    try:
        payment_succeed(payment_id=payment.pk, attempt_id=attempt.pk)
    except ApplicationError as refused:  # insufficient funds
        # The merchant reads this reason too: it must not name the payer's
        # balance (the pay page tells the payer theirs).
        message = refused.message
        if refused.code == WalletErrorCode.INSUFFICIENT_FUNDS:
            message = "Insufficient funds in the payer's wallet."
        payment_fail(
            payment_id=payment.pk, code=refused.code, message=message, attempt_id=attempt.pk
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

    A capture that arrives after what it paid for has moved on (the payment had
    already failed, the order was cancelled when its reservation expired, the
    checkout was paid another way) is a late capture: it is recorded as
    captured, nothing is settled, and the whole amount is refunded to the card.
    """
    payment = Payment.objects.select_related("order", "checkout__merchant", "payer").get(
        pk=payment_id
    )
    order = None
    if payment.purpose == Payment.Purpose.ORDER and payment.status != S.FAILED:
        order = order_mark_paid(order=payment.order)  # locks wallets, stock, order
    wallets = _lock_settlement_wallets(payment)
    checkout = None
    if payment.purpose == Payment.Purpose.CHECKOUT:
        checkout = checkout_qs_for_update().get(pk=payment.checkout_id)
    payment = payment_qs_for_update().get(pk=payment_id)
    _finish_attempt(attempt_id, Outcome.SUCCEEDED, response=response)
    if payment.status in Payment.CAPTURED:
        return payment
    late_reason = _late_capture_reason(payment, order, checkout)
    if not late_reason:
        _settle(payment, wallets, checkout)
    payment_set_status(
        payment,
        S.SUCCEEDED,
        late_capture=bool(late_reason),
        gateway_reference=reference or payment.gateway_reference,
        failure_code="",
        failure_message="",
        last_event_at=max(filter(None, [payment.last_event_at, event_at]), default=None),
    )
    if late_reason:
        logger.warning("payment_late_capture payment_id=%s reason=%r", payment.pk, late_reason)
        enqueue_on_commit(REFUND_LATE_CAPTURE, str(payment.pk), late_reason)
    return payment


def _late_capture_reason(payment: Payment, order: Order | None, checkout) -> str:
    """Why this capture pays for nothing any more ("" when it settles normally).
    Reads rows locked by the caller."""
    if payment.status == S.FAILED:
        return "captured after the payment had failed"
    # FULFILLED too: an order of codes or downloads is delivered, and so
    # fulfilled, in the transaction that pays it.
    if order is not None and order.status not in (Order.Status.PAID, Order.Status.FULFILLED):
        return f"captured after the order was {order.status.lower()}"
    if checkout is not None and checkout.status != Checkout.Status.PROCESSING:
        return "captured after the checkout stopped waiting for it"
    return ""


def _lock_settlement_wallets(payment: Payment) -> dict:
    """Wallets the settlement moves money between, locked in pk order (wallets first).

    Locked whether or not the capture turns out to be late, because that is only
    known under the payment's lock, which comes after the wallets."""
    if payment.purpose == Payment.Purpose.ORDER:
        return {}  # order_mark_paid has done the order's ledger work
    if payment.purpose == Payment.Purpose.CHECKOUT:
        # A merchant's sale: pending in a clearing shard, as an order's is.
        payer = (
            {"owner_id": payment.payer_id}
            if payment.method == Payment.Method.WALLET
            else {"system_name": Wallet.System.CARD_FUNDING}
        )
        source, clearing = sale_wallets_lock(payer=payer, currency=payment.currency)
        return {"source": source, "target": clearing}
    if payment.method == Payment.Method.WALLET:
        source = wallet_get_or_create_many(users=[payment.payer], currency=payment.currency)[
            payment.payer_id
        ]
    else:
        source = system_wallet(name=Wallet.System.CARD_FUNDING, currency=payment.currency)
    receiver = (
        payment.checkout.merchant if payment.purpose == Payment.Purpose.CHECKOUT else payment.payer
    )
    target = wallet_get_or_create_many(users=[receiver], currency=payment.currency)[receiver.pk]
    locked = wallets_lock([source, target])
    return {"source": locked[source.pk], "target": locked[target.pk]}


def _settle(payment: Payment, wallets: dict, checkout: Checkout | None) -> None:
    reference = f"payment:{payment.pk}"
    if payment.purpose == Payment.Purpose.TOPUP:
        transfer_locked(
            source=wallets["source"],
            target=wallets["target"],
            amount=payment.amount,
            kind=Transfer.Kind.DEPOSIT,
            reference=reference,
            description=payment.description or "Card top-up",
            created_by=payment.payer,
        )
    elif payment.purpose == Payment.Purpose.CHECKOUT:
        proceeds_credit_locked(
            payer=wallets["source"],
            clearing=wallets["target"],
            shares={checkout.merchant_id: payment.amount},
            reference=reference,
            description=checkout.description,
            created_by=payment.payer,
        )
        checkout_set_status(checkout, Checkout.Status.COMPLETED)
        events_record([checkout_event(checkout, payment, CHECKOUT_COMPLETED)])


@transaction.atomic
def payment_fail(
    *, payment_id, code: str, message: str = "", attempt_id=None, response=None, event_at=None
) -> Payment:
    """Record a final failure and undo what waited for the money: the checkout
    FAILED. An order stays PAYMENT_PENDING with its reservation, so the buyer can
    try another card (POST /orders/{id}/pay again) until the reservation expires
    or they cancel. A payment already captured is never moved back."""
    payment = Payment.objects.select_related("order").get(pk=payment_id)
    if payment.status in Payment.CAPTURED:
        _finish_attempt(attempt_id, Outcome.DECLINED, response=response, error=message)
        return payment
    checkout = None
    if payment.purpose == Payment.Purpose.CHECKOUT:
        checkout = checkout_qs_for_update().get(pk=payment.checkout_id)
    payment = payment_qs_for_update().get(pk=payment_id)
    _finish_attempt(attempt_id, Outcome.DECLINED, response=response, error=message)
    if payment.status in Payment.FINAL:
        return payment
    if checkout is not None and checkout.status == Checkout.Status.PROCESSING:
        checkout_set_status(checkout, Checkout.Status.FAILED)
        failed = checkout_event(checkout, payment, CHECKOUT_FAILED, failure_code=code[:40])
        events_record([failed])
    payment_set_status(
        payment,
        S.FAILED,
        failure_code=code[:40],
        failure_message=message[:255],
        last_event_at=max(filter(None, [payment.last_event_at, event_at]), default=None),
    )
    _log(payment_id, "-", "failed", code=code)
    return payment


def payment_reconcile_stuck(*, now=None) -> int:
    """Re-enqueue payments left PENDING or PROCESSING too long (a crash between
    commit and enqueue, a lost worker, a broker that was down). Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PAYMENT_STUCK_AFTER_SECONDS)
    stuck = Payment.objects.filter(status__in=[S.PENDING, S.PROCESSING], updated_at__lt=cutoff)
    count = requeue_stale(stuck, PROCESS_PAYMENT, now=now)
    RECONCILED.labels("payment").inc(count)
    if count:
        logger.warning("payments_reconciled count=%s", count)
    return count


def _not_retryable(message: str) -> ApplicationError:
    return ApplicationError(message, code=PaymentErrorCode.NOT_RETRYABLE, status=409)


@transaction.atomic
def payment_retry(*, payment: Payment) -> Payment:
    """Staff's "retry now" for a payment whose retries ran out, while what it pays
    for can still be paid (a checkout; an order still waiting). Raises otherwise."""
    checkout = order = None
    if payment.purpose == Payment.Purpose.CHECKOUT:
        checkout = checkout_qs_for_update().get(pk=payment.checkout_id)
    else:
        # The order's lock, as a new payment of the buyer's takes it: one live
        # payment per order, whoever starts it.
        order = order_qs_for_update().get(pk=payment.order_id)
    payment = payment_qs_for_update().get(pk=payment.pk)
    if payment.status != S.FAILED or payment.failure_code != PaymentErrorCode.RETRIES_EXHAUSTED:
        raise _not_retryable("Only payments whose retries ran out can be retried.")
    if order is not None and order.status != Order.Status.PAYMENT_PENDING:
        raise _not_retryable(f"The order is {order.status}; it can no longer be paid.")
    if order is not None and order.payments.filter(status__in=[S.PENDING, S.PROCESSING]).exists():
        raise _not_retryable("The buyer is paying this order with another card right now.")
    if checkout is not None:
        if checkout.status != Checkout.Status.FAILED:
            raise _not_retryable("The checkout is no longer waiting.")
        checkout_set_status(checkout, Checkout.Status.PROCESSING)
    payment_set_status(payment, S.PENDING, failure_code="", failure_message="")
    enqueue_on_commit(PROCESS_PAYMENT, str(payment.pk))
    return payment


def wallet_topup_by_card(
    *, user, amount: int, currency: str, card_token: str, request_key: str, description: str = ""
) -> Payment:
    """Charge the card now (one attempt, in the request) and credit the wallet on
    success. A transient error schedules the usual retries; the same request_key
    resumes the same payment instead of charging again. invalid (400) past
    MAXIMUM_DEPOSIT, before anything is charged."""
    deposit_amount_check(amount=amount, currency=currency)
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
        if outcome == Outcome.TRANSIENT_ERROR:
            with transaction.atomic():
                enqueue_on_commit(PROCESS_PAYMENT, str(payment.pk))
    payment.refresh_from_db()
    return payment
