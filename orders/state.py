"""The order state machine: the only table of which status may follow which,
and the only function that writes an order's status."""

from accounts.models import User
from core.exceptions import ApplicationError
from orders.errors import OrderErrorCode
from orders.models import Order, OrderEvent

S = Order.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.PAYMENT_PENDING, S.CANCELLED}),
    S.PAYMENT_PENDING: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.FULFILLED, S.REFUNDED, S.DISPUTED}),
    S.FULFILLED: frozenset({S.REFUNDED, S.DISPUTED}),
    # A won dispute gives the order back the status it had; a lost one ends it.
    S.DISPUTED: frozenset({S.PAID, S.FULFILLED, S.CHARGEBACK}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
    S.CHARGEBACK: frozenset(),
}


def can_transition(current: str, to: str) -> bool:
    return to in TRANSITIONS[current]


def invalid_transition(order: Order, to: str) -> ApplicationError:
    return ApplicationError(
        f"An order in {order.status} cannot become {to}.",
        code=OrderErrorCode.INVALID_TRANSITION,
        status=409,
        extra={"status": order.status},
    )


def order_set_status(order: Order, to: str, *, actor: User | None, reason: str = "") -> Order:
    """Move a locked order to `to`, recording the event; invalid_transition (409)
    if the table forbids it. The only writer of Order.status after creation."""
    if not can_transition(order.status, to):
        raise invalid_transition(order, to)
    OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=to, actor=actor, reason=reason
    )
    order.status = to
    order.save(
        update_fields=[
            "status",
            "refunded_amount",
            "reserved_until",
            "receipt_due_at",
            "updated_at",
        ]
    )
    return order


def order_initial_status(order: Order, path: list[str], actor: User) -> list[OrderEvent]:
    """Give a new, unsaved order the last status of `path` and return the events
    of walking it, each step checked against the table."""
    events = [OrderEvent(order=order, from_status="", to_status=path[0], actor=actor)]
    for current, following in zip(path, path[1:], strict=False):
        if not can_transition(current, following):
            raise invalid_transition(order, following)
        events.append(
            OrderEvent(order=order, from_status=current, to_status=following, actor=actor)
        )
    order.status = path[-1]
    return events
