from celery import shared_task
from django.utils import timezone

from core.heartbeat import heartbeat_record
from core.models import IdempotencyKey
from core.task_names import PURGE_IDEMPOTENCY_KEYS, WORKER_HEARTBEAT


@shared_task(name=PURGE_IDEMPOTENCY_KEYS)
def purge_expired_idempotency_keys_task() -> int:
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


@shared_task(name=WORKER_HEARTBEAT, ignore_result=True)
def worker_heartbeat_task() -> None:
    """Sent by beat; whichever worker runs it proves the workers are alive."""
    heartbeat_record()
