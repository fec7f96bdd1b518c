"""Which status may follow which for webhook endpoints and deliveries, and the
one function per model that writes a status. Callers hold the row's lock."""

from core.exceptions import ApplicationError
from events.errors import EventErrorCode
from events.models import WebhookDelivery, WebhookEndpoint

E = WebhookEndpoint.Status
D = WebhookDelivery.Status

ENDPOINT_TRANSITIONS: dict[str, frozenset[str]] = {
    # DISABLED → ACTIVE: the merchant enables it again.
    E.ACTIVE: frozenset({E.DISABLED}),
    E.DISABLED: frozenset({E.ACTIVE}),
}

DELIVERY_TRANSITIONS: dict[str, frozenset[str]] = {
    D.PENDING: frozenset({D.SUCCEEDED, D.FAILED}),
    # FAILED → PENDING: "Redeliver" puts a dead letter back in the queue.
    D.FAILED: frozenset({D.PENDING}),
    D.SUCCEEDED: frozenset(),
}


def _set_status(row, table: dict, to: str, fields: dict):
    if to not in table[row.status]:
        raise ApplicationError(
            f"{type(row).__name__} {row.pk} in {row.status} cannot become {to}.",
            code=EventErrorCode.INVALID_TRANSITION,
            status=409,
            extra={"status": row.status},
        )
    row.status = to
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=["status", *fields, "updated_at"])
    return row


def endpoint_set_status(endpoint: WebhookEndpoint, to: str, **fields) -> WebhookEndpoint:
    """The only writer of WebhookEndpoint.status; `fields` are saved with it."""
    return _set_status(endpoint, ENDPOINT_TRANSITIONS, to, fields)


def delivery_set_status(delivery: WebhookDelivery, to: str, **fields) -> WebhookDelivery:
    """The only writer of WebhookDelivery.status; `fields` are saved with it."""
    return _set_status(delivery, DELIVERY_TRANSITIONS, to, fields)
