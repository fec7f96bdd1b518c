import logging

from celery import shared_task
from django.conf import settings

from payments.models import Payment
from payments.services import (
    Outcome,
    payment_fail,
    payment_process,
    payment_reconcile_stuck,
    payment_refund,
)

logger = logging.getLogger("kassa.payments")


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def process_payment_task(self, payment_id: str) -> str:
    """One attempt per run; transient errors come back after base × 2^n seconds.

    acks_late + reject_on_worker_lost: a worker killed mid-attempt gets the
    task redelivered, and the gateway idempotency key makes that harmless.
    """
    outcome = payment_process(payment_id=payment_id)
    if outcome != Outcome.TRANSIENT:
        return outcome
    retries = self.request.retries
    if retries >= settings.PAYMENT_MAX_RETRIES:
        payment_fail(
            payment_id=payment_id,
            code="retries_exhausted",
            message=f"Gateway unavailable after {retries + 1} attempts.",
        )
        return "retries_exhausted"
    raise self.retry(countdown=settings.PAYMENT_RETRY_BASE_DELAY * 2**retries)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def refund_payment_task(payment_id: str, reason: str) -> None:
    payment = Payment.objects.get(pk=payment_id)
    remaining = payment.amount - payment.refunded_amount
    if remaining > 0:
        payment_refund(
            payment=payment,
            amount=remaining,
            actor=None,
            reason=reason,
            request_key=f"auto:{reason}",
        )


@shared_task
def reconcile_stuck_payments_task() -> int:
    return payment_reconcile_stuck()
