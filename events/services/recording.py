"""Events written with the change they describe, in its transaction."""

from core.enqueue import enqueue_sweep_on_commit
from core.task_names import RELAY_EVENTS
from events.models import Event
from events.types import EventType


def event_build(*, merchant_id, event_type: EventType, data: dict) -> Event:
    """An unsaved event, for a caller that inserts it with rows of its own in
    one statement (core.bulk.insert_together), then calls events_relay_after_commit."""
    return Event(merchant_id=merchant_id, type=event_type.name, data=data)


def events_relay_after_commit() -> None:
    """Have the relay number this transaction's events once it commits (a
    sweep: one relay per run, not per commit, core.enqueue)."""
    enqueue_sweep_on_commit(RELAY_EVENTS)


def events_record(events: list[Event]) -> None:
    """Insert events in the caller's transaction, under the locks of the change."""
    if events:
        Event.objects.bulk_create(events)
        events_relay_after_commit()
