"""The order state machine: the only table of which status may follow which."""

from orders.models import Order

S = Order.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.PAYMENT_PENDING, S.CANCELLED}),
    S.PAYMENT_PENDING: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.FULFILLED, S.REFUNDED}),
    S.FULFILLED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}


def can_transition(current: str, to: str) -> bool:
    return to in TRANSITIONS[current]
