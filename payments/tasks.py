"""Celery entry points: each loads what it needs by id and calls a service.
Services send these by name (core/task_names.py) and never import this module."""

import logging

from celery import shared_task
from django.conf import settings

from core.exceptions import ApplicationError
from core.metrics import PAYMENT_RETRIES, PAYMENT_RETRIES_EXHAUSTED
from core.task_names import (
    PROCESS_PAYMENT,
    RECONCILE_STUCK_PAYMENTS,
    REFUND_LATE_CAPTURE,
    SEND_REFUND_TO_GATEWAY,
    SIMULATED_DISPUTE_CLOSE,
    SIMULATED_DISPUTE_OPEN,
)
from payments.errors import PaymentErrorCode
from payments.models import Dispute, Outcome, Payment
from payments.services import (
    payment_fail,
    payment_process,
    payment_reconcile_stuck,
    payment_refund_to_card,
    refund_reconcile_stuck,
    refund_send_to_gateway,
)
from payments.services.simulated_disputes import simulated_dispute_close, simulated_dispute_open

logger = logging.getLogger("kassa.payments")


def _backoff(retries: int) -> float:
    return settings.PAYMENT_RETRY_BASE_DELAY * 2**retries


@shared_task(
    name=PROCESS_PAYMENT, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def process_payment_task(self, payment_id: str) -> str:
    """One attempt per run; transient errors come back after base × 2^n seconds.

    acks_late + reject_on_worker_lost: a worker killed mid-attempt gets the
    task redelivered, and the gateway idempotency key makes that harmless.
    """
    outcome = payment_process(payment_id=payment_id)
    if outcome != Outcome.TRANSIENT_ERROR:
        return outcome
    retries = self.request.retries
    if retries >= settings.PAYMENT_MAX_RETRIES:
        PAYMENT_RETRIES_EXHAUSTED.inc()
        payment_fail(
            payment_id=payment_id,
            code=PaymentErrorCode.RETRIES_EXHAUSTED,
            message=f"Gateway unavailable after {retries + 1} attempts.",
        )
        return PaymentErrorCode.RETRIES_EXHAUSTED
    PAYMENT_RETRIES.inc()
    raise self.retry(countdown=_backoff(retries))


@shared_task(
    name=SEND_REFUND_TO_GATEWAY,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def refund_send_to_gateway_task(self, refund_id: str) -> str:
    """Send a PENDING refund to the gateway again, with the payment retry policy.

    When the retries run out the refund stays PENDING, its amount held: the
    gateway may have made it, so only an answer may end it. The reconciler
    sends it again later.
    """
    outcome = refund_send_to_gateway(refund_id=refund_id)
    if outcome != Outcome.TRANSIENT_ERROR:
        return outcome
    retries = self.request.retries
    if retries >= settings.PAYMENT_MAX_RETRIES:
        logger.warning("refund_retries_exhausted refund_id=%s left_for=reconciler", refund_id)
        return PaymentErrorCode.RETRIES_EXHAUSTED
    raise self.retry(countdown=_backoff(retries))


@shared_task(name=REFUND_LATE_CAPTURE, acks_late=True, reject_on_worker_lost=True)
def late_capture_refund_task(payment_id: str, reason: str) -> str:
    """Give a late capture back in full. Keyed by the payment, so a redelivery
    resumes the same refund."""
    payment = Payment.objects.get(pk=payment_id)
    try:
        refund = payment_refund_to_card(
            payment=payment,
            amount=None,
            actor=None,
            reason=reason,
            request_key=f"auto:{payment.pk}",
        )
    except ApplicationError as refused:  # nothing left to refund
        logger.info("auto_refund_skipped payment_id=%s code=%s", payment_id, refused.code)
        return Outcome.SKIPPED
    return refund.status


@shared_task(name=RECONCILE_STUCK_PAYMENTS)
def reconcile_stuck_payments_task() -> int:
    return payment_reconcile_stuck() + refund_reconcile_stuck()


@shared_task(name=SIMULATED_DISPUTE_OPEN, acks_late=True, reject_on_worker_lost=True)
def simulated_dispute_open_task(payment_id: str, outcome: str) -> str:
    """The simulated gateway disputes a payment of its disputed test cards."""
    dispute = simulated_dispute_open(payment=Payment.objects.get(pk=payment_id), outcome=outcome)
    return dispute.status


@shared_task(name=SIMULATED_DISPUTE_CLOSE, acks_late=True, reject_on_worker_lost=True)
def simulated_dispute_close_task(dispute_id: str, outcome: str) -> str:
    dispute = simulated_dispute_close(dispute=Dispute.objects.get(pk=dispute_id), outcome=outcome)
    return dispute.status
