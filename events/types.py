"""The registry of event types a merchant can receive. Each app registers the
types of the changes it makes (catalog/events.py, orders/events.py,
payments/events.py), so a new kind of change (disputes, licences) adds its own
types without touching this module or the stream."""

from dataclasses import dataclass, field

# An endpoint subscribed to this receives every type, present and future.
EVERY_TYPE = "*"
# "Send test event": signed like the others, never part of the stream.
TEST_TYPE = "webhook.test"


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    example: dict = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return self.name


_REGISTERED: dict[str, EventType] = {}


def register(name: str, *, description: str, example: dict) -> EventType:
    """Declare an event type; `example` is its `data`, as docs/api.md shows it."""
    if name in _REGISTERED or name in (EVERY_TYPE, TEST_TYPE):
        raise ValueError(f"Event type {name!r} is registered already.")
    _REGISTERED[name] = EventType(name, description, example)
    return _REGISTERED[name]


def registered() -> list[EventType]:
    return sorted(_REGISTERED.values(), key=lambda event_type: event_type.name)


def is_registered(name: str) -> bool:
    return name in _REGISTERED
