"""The relay: numbers committed events per merchant and queues their webhook
deliveries. One relay runs at a time (events.locks.relay_lock), after the
changes committed, so no change ever waits on a counter.

Why the numbers follow commit order: an event row is inserted under the locks
of the change it describes, and the relay reads committed rows in insertion
order. Two changes that touch the same rows (two sales of one product, a sale
and its refund) insert their events one after the other's commit, so the first
to commit has the lower id and, being visible first, is never numbered after
the second."""

from django.db import transaction
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.task_names import DELIVER_WEBHOOKS
from events.locks import relay_lock
from events.models import Event, WebhookDelivery, WebhookEndpoint

BATCH = 500


def events_relay(*, batch_size: int = BATCH) -> int:
    """Number every event committed and not numbered yet; returns how many.
    Safe to run any number of times, also at once: relays take turns."""
    numbered = 0
    while True:
        with transaction.atomic():
            relay_lock()
            batch = list(Event.objects.filter(sequence__isnull=True).order_by("pk")[:batch_size])
            if not batch:
                return numbered
            _number(batch)
            _queue_deliveries(batch)
        numbered += len(batch)
        if len(batch) < batch_size:
            return numbered


def _last_sequence(merchant_id) -> int:
    last = (
        Event.objects.filter(merchant_id=merchant_id, sequence__isnull=False)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return last or 0


def _number(batch: list[Event]) -> None:
    now = timezone.now()
    last = {
        merchant_id: _last_sequence(merchant_id) for merchant_id in {e.merchant_id for e in batch}
    }
    for event in batch:
        last[event.merchant_id] += 1
        event.sequence, event.sequenced_at = last[event.merchant_id], now
    Event.objects.bulk_update(batch, ["sequence", "sequenced_at"])


def _queue_deliveries(batch: list[Event]) -> None:
    """A delivery per event and active endpoint subscribed to its type; each
    endpoint touched is sent its queue once this commits. A disabled endpoint
    gets none: its merchant catches up with GET /events?after=."""
    endpoints: dict = {}
    for endpoint in WebhookEndpoint.objects.filter(
        merchant_id__in={event.merchant_id for event in batch},
        status=WebhookEndpoint.Status.ACTIVE,
    ):
        endpoints.setdefault(endpoint.merchant_id, []).append(endpoint)
    deliveries = [
        WebhookDelivery(
            endpoint=endpoint, event=event, sequence=event.sequence, event_type=event.type
        )
        for event in batch
        for endpoint in endpoints.get(event.merchant_id, [])
        if endpoint.subscribes_to(event.type)
    ]
    WebhookDelivery.objects.bulk_create(deliveries)
    for endpoint_id in dict.fromkeys(delivery.endpoint_id for delivery in deliveries):
        enqueue_on_commit(DELIVER_WEBHOOKS, str(endpoint_id))
