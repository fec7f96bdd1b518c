"""Demo orders for `manage.py seed_demo`."""

from catalog.models import Product
from orders.models import Order
from orders.services import order_fulfill, order_place


def seed_orders(*, customer, merchant, stdout) -> None:
    if Order.objects.filter(buyer=customer).exists():
        return
    products = list(Product.objects.filter(merchant=merchant).order_by("price")[:2])
    first = order_place(
        buyer=customer,
        items=[{"product_id": products[0].pk, "quantity": 1}],
        payment_method=Order.PaymentMethod.WALLET,
    )
    order_fulfill(order=first, actor=merchant)
    order_place(
        buyer=customer,
        items=[{"product_id": p.pk, "quantity": 1} for p in products],
        payment_method=Order.PaymentMethod.WALLET,
    )
    stdout.write("created 2 demo orders for customer@example.com")
