"""Every write to events. recording: events written with the change they
describe; relay: numbering them after commit and queueing their deliveries;
endpoints: a merchant's receivers; delivery: sending them, in order."""

from events.services.delivery import (
    webhook_deliveries_resume,
    webhook_delivery_redeliver,
    webhook_delivery_send_test,
    webhook_endpoint_drain,
)
from events.services.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_roll_secret,
    webhook_endpoint_send_test,
    webhook_endpoint_update,
)
from events.services.recording import event_build, events_record, events_relay_after_commit
from events.services.relay import events_relay

__all__ = [
    "event_build",
    "events_record",
    "events_relay",
    "events_relay_after_commit",
    "webhook_deliveries_resume",
    "webhook_delivery_redeliver",
    "webhook_delivery_send_test",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_drain",
    "webhook_endpoint_roll_secret",
    "webhook_endpoint_send_test",
    "webhook_endpoint_update",
]
