from orders.models import Order
from orders.tests.factories import place_order
from payments.services import payment_create_for_order


def card_order(buyer, product, quantity=1) -> Order:
    return place_order(buyer, [(product, quantity)], method=Order.PaymentMethod.CARD)


def pay_order(order, token, capture):
    """Start paying `order` and run the payment task as the commit would."""
    with capture(execute=True):
        payment = payment_create_for_order(order=order, payer=order.buyer, card_token=token)
    payment.refresh_from_db()
    order.refresh_from_db()
    return payment
