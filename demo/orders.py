"""Demo orders for `manage.py seed_demo`: one in every state, some refunded."""

import secrets

from catalog.models import Product
from orders.models import Order
from orders.services import order_cancel, order_fulfill, order_place
from payments.services import payment_create_for_order, payment_process, refund_order

S = Order.Status


def _place(customer, products, method) -> Order:
    return order_place(
        buyer=customer,
        items=[{"product_id": p.pk, "quantity": 1} for p in products],
        payment_method=method,
    )


def _paid_by_card(customer, products) -> Order:
    order = _place(customer, products, Order.PaymentMethod.CARD)
    payment = payment_create_for_order(order=order, payer=customer, card_token="tok_visa")
    # Settled now, so the dashboard is full at first login; the task queued for
    # it then finds the payment final and does nothing.
    payment_process(payment_id=payment.pk)
    order.refresh_from_db()
    return order


def seed_orders(*, customer, merchant, stdout) -> None:
    """Adds the demo orders this customer does not have yet, one per scenario."""
    products = list(
        Product.objects.filter(
            merchant=merchant, stock__available__gt=0, delivery_kind=Product.DeliveryKind.MANUAL
        ).order_by("price")
    )
    cheap, other = products[0], products[1]
    have = set(Order.objects.filter(buyer=customer).values_list("status", flat=True))
    wallet, card = Order.PaymentMethod.WALLET, Order.PaymentMethod.CARD
    created = 0
    if S.FULFILLED not in have:
        # Fulfilled with the code the buyer gets, as a merchant's "Fulfil" does.
        code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
        order_fulfill(order=_place(customer, [cheap], wallet), actor=merchant, note=f"GIFT-{code}")
        created += 1
    if S.PAID not in have:
        _place(customer, [cheap, other], wallet)
        partly = _paid_by_card(customer, [other])
        refund_order(order=partly, amount=500, actor=merchant, reason="demo: partial credit")
        created += 2
    if S.REFUNDED not in have:
        refund_order(
            order=_place(customer, [cheap], wallet), amount=None, actor=merchant, reason="demo"
        )
        created += 1
    if S.CANCELLED not in have:
        order_cancel(order=_place(customer, [cheap], card), actor=customer, reason="demo")
        created += 1
    if S.PAYMENT_PENDING not in have:
        _place(customer, [other], card)
        created += 1
    delivered = Product.objects.filter(merchant=merchant).exclude(
        delivery_kind=Product.DeliveryKind.MANUAL
    )
    if delivered and not Order.objects.filter(buyer=customer, items__product__in=delivered):
        _place(customer, list(delivered), wallet)  # a code, a licence key and a download
        created += 1
    if created:
        stdout.write(f"created {created} demo orders for {customer.email}")
