import logging

from celery import shared_task
from django.utils import timezone

from core.task_names import VERIFY_LEDGER
from wallets.models import LedgerVerification
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
