"""Celery entry points of the event stream and its webhooks; services send
them by name (core/task_names.py)."""

from celery import shared_task

from core.enqueue import sweep_starting
from core.task_names import (
    DELIVER_WEBHOOKS,
    RELAY_EVENTS,
    RESUME_WEBHOOK_DELIVERIES,
    SEND_TEST_WEBHOOK,
)
from events.services import (
    events_relay,
    webhook_deliveries_resume,
    webhook_delivery_send_test,
    webhook_endpoint_drain,
)


@shared_task(name=RELAY_EVENTS, acks_late=True, reject_on_worker_lost=True)
def relay_events_task() -> int:
    """Sent after commits that wrote events (one per run queued), and by beat as
    a safety net."""
    sweep_starting(RELAY_EVENTS)
    return events_relay()


@shared_task(name=DELIVER_WEBHOOKS, acks_late=True, reject_on_worker_lost=True)
def deliver_webhooks_task(endpoint_id: str) -> int:
    """acks_late: a worker killed mid-POST gets the task redelivered; the
    endpoint's lease runs out and the delivery is sent again (receivers
    deduplicate by Kassa-Event-Id, as with any webhook)."""
    return webhook_endpoint_drain(endpoint_id=endpoint_id)


@shared_task(name=SEND_TEST_WEBHOOK, acks_late=True, reject_on_worker_lost=True)
def send_test_webhook_task(delivery_id: str) -> None:
    webhook_delivery_send_test(delivery_id=delivery_id)


@shared_task(name=RESUME_WEBHOOK_DELIVERIES)
def resume_webhook_deliveries_task() -> int:
    return webhook_deliveries_resume()
