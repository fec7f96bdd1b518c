"""Phases 2 and 3 of a card refund (payments/services/refunds.py holds the money
in phase 1): the gateway is asked, with no transaction open, and its answer
recorded. Every path through phase 3 is idempotent: the API, the retry task,
the reconciler and the gateway's webhooks may all report the same answer."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.metrics import GATEWAY_ERRORS, GATEWAY_SECONDS, RECONCILED, REFUNDS
from core.task_names import SEND_REFUND_TO_GATEWAY
from events.services import events_record
from orders.services import order_record_card_refund
from payments.events import REFUND_FAILED, REFUND_SUCCEEDED, refund_events
from payments.gateways import GatewayUnavailable, TransientGatewayError, get_gateway
from payments.locks import payment_qs_for_update, refund_qs_for_update
from payments.models import Outcome, Payment, PaymentRefund
from payments.services.enqueue import requeue_stale
from payments.state import payment_set_refunded, refund_set_status
from wallets.locks import wallets_lock
from wallets.models import LedgerEntry, Transfer, Wallet
from wallets.services import system_wallet, transfer_locked

logger = logging.getLogger("kassa.payments")
R = PaymentRefund.Status


def refund_send_to_gateway(*, refund_id) -> Outcome:
    """Phases 2 and 3 for a refund: ask the gateway, then record its answer.

    Safe to run any number of times, also at once (the API, the retry task and
    the reconciler): the gateway's idempotency key makes it one refund there,
    and phase 3 records it once. Returns TRANSIENT_ERROR when it should run
    again, PENDING when the gateway took it and answers later (its webhook, or
    the reconciler asking again: the money stays held meanwhile).
    """
    refund = PaymentRefund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != R.PENDING:
        return Outcome.SKIPPED
    try:
        with GATEWAY_SECONDS.labels("refund").time():
            result = get_gateway(refund.payment.gateway).refund(
                payment=refund.payment, refund=refund
            )
    except (TransientGatewayError, GatewayUnavailable) as exc:
        if isinstance(exc, GatewayUnavailable):
            logger.error("gateway_unavailable refund_id=%s kind=%s", refund.pk, exc.kind)
            GATEWAY_ERRORS.labels(exc.kind).inc()
        logger.warning("refund_transient refund_id=%s error=%r", refund.pk, str(exc))
        PaymentRefund.objects.filter(pk=refund.pk).update(updated_at=timezone.now())
        REFUNDS.labels(Outcome.TRANSIENT_ERROR).inc()
        return Outcome.TRANSIENT_ERROR
    REFUNDS.labels(result.outcome).inc()
    if result.outcome == Outcome.SUCCEEDED:
        _refund_record(refund_id=refund.pk, reference=result.reference)
    elif result.outcome == Outcome.PENDING:
        PaymentRefund.objects.filter(pk=refund.pk, status=R.PENDING).update(
            gateway_reference=result.reference, updated_at=timezone.now()
        )
        logger.info("refund_pending_at_gateway refund_id=%s", refund.pk)
    else:
        _refund_release(refund_id=refund.pk, message=result.message)
    return result.outcome


def refund_gateway_update(*, refund: PaymentRefund, status: str, message: str = "") -> None:
    """The gateway's later word on a refund it had answered pending
    (Stripe's charge.refund.updated): succeeded records it, failed or canceled
    gives the held money back to where it came from."""
    if status == "succeeded":
        _refund_record(refund_id=refund.pk, reference=refund.gateway_reference)
    elif status in ("failed", "canceled"):
        _refund_release(refund_id=refund.pk, message=message or f"The gateway says {status}.")


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
    events_record(
        refund_events(refund, payment, merchant_shares_of_refund(refund), REFUND_SUCCEEDED)
    )
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
    events_record(refund_events(refund, payment, merchant_shares_of_refund(refund), REFUND_FAILED))
    logger.warning("refund_failed refund_id=%s message=%r", refund.pk, message)


def merchant_shares_of_refund(refund: PaymentRefund) -> dict:
    """{merchant pk: what their wallets (available, and debt for what was
    missing) gave back for the refund}. A late capture's refund was held from
    the card funding wallet: no merchant's."""
    held = LedgerEntry.objects.filter(
        transfer__reference=refund.ledger_reference,
        transfer__kind=Transfer.Kind.REFUND,
        amount__lt=0,
        wallet__kind__in=[Wallet.Kind.USER, Wallet.Kind.DEBT],
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
