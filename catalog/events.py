"""The catalog's events for merchants (events.types): stock that ran out, and
codes running low. Recorded by the stock engine in the transaction that moved
the units, under the stock row's lock."""

from catalog.models import Product, Stock
from events.models import Event
from events.services import event_build
from events.types import register

PRODUCT_SOLD_OUT = register(
    "product.sold_out",
    description="A product's last available unit was sold, reserved, voided or adjusted away.",
    example={
        "product": {
            "id": "0b7e4f7e-2a55-4a0e-9d4c-9f1f3c2b8a11",
            "name": "Steam Gift Card $20",
            "delivery_kind": "codes",
            "available": 0,
        }
    },
)
CODES_RUNNING_LOW = register(
    "codes.running_low",
    description="A codes product's available codes fell below the threshold its merchant set "
    "(codes_low_threshold).",
    example={
        "product": {
            "id": "0b7e4f7e-2a55-4a0e-9d4c-9f1f3c2b8a11",
            "name": "Steam Gift Card $20",
            "delivery_kind": "codes",
            "available": 4,
            "codes_low_threshold": 5,
        }
    },
)


def _product(product: Product, available: int) -> dict:
    return {
        "id": str(product.pk),
        "name": product.name,
        "delivery_kind": product.delivery_kind,
        "available": available,
    }


def stock_events(product: Product, *, before: int, after: int) -> list[Event]:
    """What a merchant hears of `product`'s available units going from `before`
    to `after`: sold out when the last went, running low when codes fell below
    the merchant's threshold."""
    if after >= before or product.unlimited_stock:
        return []
    events = []
    threshold = product.codes_low_threshold
    is_codes = product.delivery_kind == Product.DeliveryKind.CODES
    if is_codes and threshold is not None and after < threshold <= before:
        data = {"product": _product(product, after) | {"codes_low_threshold": threshold}}
        events.append(_build(product, CODES_RUNNING_LOW, data))
    if after == 0:
        events.append(_build(product, PRODUCT_SOLD_OUT, {"product": _product(product, 0)}))
    return events


def _build(product: Product, event_type, data: dict) -> Event:
    return event_build(merchant_id=product.merchant_id, event_type=event_type, data=data)


def stock_row_events(stock: Stock, *, before: int) -> list[Event]:
    return stock_events(stock.product, before=before, after=stock.available)


# --- licence keys (catalog.services.licences) -------------------------------------------

_LICENCE_EXAMPLE = {
    "id": 42,
    "key": "KASSA-••••-••••-••••-7QX4",
    "product": {"id": "0b7e4f7e-2a55-4a0e-9d4c-9f1f3c2b8a11", "name": "Pixel Editor Pro"},
    "order_id": "5d1c7c0e-8f2b-4b9e-a7f5-1e0c2d3b4a59",
    "status": "active",
    "activations": 1,
    "activation_limit": 3,
    "expires_at": None,
}
_INSTANCE_EXAMPLE = {"id": "9f0e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c", "name": "Ada's laptop"}
LICENCE_ACTIVATED = register(
    "licence.activated",
    description="A licence key was activated on an instance (POST /licences/activate).",
    example={"licence": _LICENCE_EXAMPLE, "instance": _INSTANCE_EXAMPLE},
)
LICENCE_DEACTIVATED = register(
    "licence.deactivated",
    description="An instance's activation ended: by the merchant's software, by the buyer on "
    "the order page, or by the merchant's reset.",
    example={"licence": _LICENCE_EXAMPLE | {"activations": 0}, "instance": _INSTANCE_EXAMPLE},
)
LICENCE_REVOKED = register(
    "licence.revoked",
    description="A licence key stopped working for good: its order was refunded in full "
    "(reason refunded) or its card payment charged back (reason chargeback).",
    example={
        "licence": _LICENCE_EXAMPLE | {"status": "revoked"},
        "reason": "refunded",
    },
)
