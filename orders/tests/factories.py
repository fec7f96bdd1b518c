from orders.models import Order
from orders.services import order_place


def place_order(buyer, products_and_quantities, method=Order.PaymentMethod.WALLET) -> Order:
    return order_place(
        buyer=buyer,
        items=[{"product_id": p.pk, "quantity": q} for p, q in products_and_quantities],
        payment_method=method,
    )
