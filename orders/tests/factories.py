from orders.models import Order
from orders.services import order_place
from orders.services.discounts import discount_create


def place_order(
    buyer, products_and_quantities, method=Order.PaymentMethod.WALLET, code=""
) -> Order:
    return order_place(
        buyer=buyer,
        items=[{"product_id": p.pk, "quantity": q} for p, q in products_and_quantities],
        payment_method=method,
        discount_code=code,
    )


def make_discount(merchant, code="SAVE10", **fields):
    """A discount of `merchant` (10 % off all their products unless told)."""
    if "amount_off" not in fields:
        fields.setdefault("percent_off", 10)
    if "amount_off" in fields:
        fields.setdefault("currency", "USD")
    return discount_create(merchant=merchant, code=code, **fields)
