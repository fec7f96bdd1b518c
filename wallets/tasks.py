import logging

from celery import shared_task
from django.utils import timezone

from core.task_names import SETTLE_MERCHANT_PROCEEDS, VERIFY_LEDGER
from wallets.models import LedgerVerification
from wallets.services.proceeds import proceeds_settle_due
from wallets.verification import ledger_violations

logger = logging.getLogger("kassa.ledger")


@shared_task(name=VERIFY_LEDGER)
def verify_ledger_task() -> int:
    """Beat runs it hourly: the result goes to /metrics, a violation to the log
    at ERROR (what an alert watches for)."""
    problems = ledger_violations()
    LedgerVerification.objects.create(ran_at=timezone.now(), violations=len(problems))
    if problems:
        logger.error("ledger_violations count=%s first=%r", len(problems), problems[:5])
    else:
        logger.info("ledger_verified")
    return len(problems)


@shared_task(name=SETTLE_MERCHANT_PROCEEDS, acks_late=True, reject_on_worker_lost=True)
def settle_merchant_proceeds_task(max_batches: int = 20) -> int:
    """Beat sends it every MERCHANT_SETTLEMENT_SECONDS: due proceeds into their
    merchants' wallets, one batch (one transaction) at a time."""
    settled = 0
    for _ in range(max_batches):
        batch = proceeds_settle_due()
        settled += batch
        if not batch:
            break
    if settled:
        logger.info("proceeds_settled count=%s", settled)
    return settled
