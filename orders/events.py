"""The orders' events for merchants (events.types). An order with lines of
several merchants gives each merchant an event about its own lines only: their
items and their amount, never another merchant's lines or the buyer."""

from collections import defaultdict

from events.models import Event
from events.services import event_build
from events.types import register
from orders.models import Order

_ORDER_EXAMPLE = {
    "id": "5f0c1c1e-8d0a-4a57-9a3e-1f2d3c4b5a69",
    "status": "PAID",
    "payment_method": "WALLET",
    "currency": "USD",
    "amount": 2000,
    "items": [
        {
            "product_id": "0b7e4f7e-2a55-4a0e-9d4c-9f1f3c2b8a11",
            "name": "Steam Gift Card $20",
            "unit_price": 2000,
            "quantity": 1,
            "subtotal": 2000,
        }
    ],
    "created_at": "2026-12-01T10:15:00.123456Z",
}

ORDER_PAID = register(
    "order.paid",
    description="An order with your products was paid (from the wallet at checkout, or by "
    "card when the payment was captured). `amount` is your lines' total.",
    example={"order": _ORDER_EXAMPLE},
)
ORDER_FULFILLED = register(
    "order.fulfilled",
    description="An order with your products was fulfilled: delivered at once (codes, "
    "downloads) or marked fulfilled by you.",
    example={"order": _ORDER_EXAMPLE | {"status": "FULFILLED"}},
)
ORDER_REFUNDED = register(
    "order.refunded",
    description="Money went back to the buyer for your lines: `amount` this time (an order "
    "may be refunded in parts; the order is REFUNDED once all of it is back).",
    example={"order": _ORDER_EXAMPLE | {"status": "REFUNDED"}, "amount": 2000},
)
ORDER_CANCELLED = register(
    "order.cancelled",
    description="An unpaid card order was cancelled (by the buyer, or its reservation running "
    "out, failed payments or not); its units are back on sale.",
    example={
        "order": _ORDER_EXAMPLE | {"status": "CANCELLED", "payment_method": "CARD"},
        "reason": "reservation expired",
    },
)


def _lines_by_merchant(lines) -> dict:
    by_merchant: dict = defaultdict(list)
    for line in lines:
        by_merchant[line.merchant_id].append(line)
    return by_merchant


def merchant_subtotals(lines) -> dict:
    """{merchant pk: the total of their lines}."""
    return {
        merchant_id: sum(line.subtotal for line in own)
        for merchant_id, own in _lines_by_merchant(lines).items()
    }


def _order_data(order: Order, lines, status: str) -> dict:
    return {
        "id": str(order.pk),
        "status": status,
        "payment_method": order.payment_method,
        "currency": order.currency,
        "amount": sum(line.subtotal for line in lines),
        "items": [
            {
                "product_id": str(line.product_id),
                "name": line.name,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "subtotal": line.subtotal,
            }
            for line in lines
        ],
        "created_at": order.created_at.isoformat().replace("+00:00", "Z"),
    }


def order_events(
    order: Order, lines, event_type, *, status: str | None = None, **extra
) -> list[Event]:
    """One event per merchant of `lines`, about that merchant's lines. `status`:
    the order's after this change (default: its status now). `extra` goes into
    every event's data; a dict keyed by merchant pk gives each merchant theirs."""
    events = []
    for merchant_id, own in _lines_by_merchant(lines).items():
        data = {"order": _order_data(order, own, status or order.status)}
        for name, value in extra.items():
            data[name] = value[merchant_id] if isinstance(value, dict) else value
        events.append(event_build(merchant_id=merchant_id, event_type=event_type, data=data))
    return events
