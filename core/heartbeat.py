"""The worker's heartbeat: beat sends worker_heartbeat_task every
WORKER_HEARTBEAT_SECONDS; whichever worker runs it records the time."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from core.models import Heartbeat

WORKER = "celery-worker"


def heartbeat_record(*, name: str = WORKER) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


def heartbeat_state(*, name: str = WORKER, now: datetime | None = None) -> dict:
    """{"state": ok | stale | missing, "seconds_ago": ...}: ok within
    WORKER_HEARTBEAT_MAX_AGE seconds."""
    seen = Heartbeat.objects.filter(name=name).values_list("seen_at", flat=True).first()
    if seen is None:
        return {"state": "missing", "seconds_ago": None}
    age = ((now or timezone.now()) - seen).total_seconds()
    fresh = age <= settings.WORKER_HEARTBEAT_MAX_AGE
    return {"state": "ok" if fresh else "stale", "seconds_ago": round(age, 1)}
