import pytest
from django.test import Client

from accounts.tests.factories import AdminFactory, MerchantFactory
from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.tests.factories import place_order
from payments.models import Payment
from payments.tests.factories import card_order, pay_order
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_staff_merchant_sees_only_orders_with_their_items(buyer):
    merchant = MerchantFactory(is_staff=True)
    mine = place_order(buyer, [(ProductFactory(merchant=merchant), 1)])
    theirs = place_order(buyer, [(ProductFactory(), 1)])

    page = _client(merchant).get("/admin/orders/order/")

    assert page.status_code == 200
    assert str(mine.pk).encode() in page.content
    assert str(theirs.pk).encode() not in page.content


def test_admin_actions_go_through_the_services(buyer):
    paid = place_order(buyer, [(ProductFactory(), 1)])
    pending = place_order(buyer, [(ProductFactory(), 1)], method="CARD")
    client = _client(AdminFactory())

    client.post("/admin/orders/order/", {"action": "fulfil", "_selected_action": [paid.pk]})
    client.post("/admin/orders/order/", {"action": "cancel", "_selected_action": [pending.pk]})
    client.post("/admin/orders/order/", {"action": "refund", "_selected_action": [paid.pk]})

    paid.refresh_from_db()
    pending.refresh_from_db()
    assert (paid.status, pending.status) == (Order.Status.REFUNDED, Order.Status.CANCELLED)
    assert [e.to_status for e in paid.events.all()][-2:] == ["FULFILLED", "REFUNDED"]


def test_refused_action_changes_nothing_and_says_why(buyer):
    order = place_order(buyer, [(ProductFactory(), 1)])
    client = _client(AdminFactory())

    response = client.post(
        "/admin/orders/order/", {"action": "cancel", "_selected_action": [order.pk]}, follow=True
    )

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert b"cannot become CANCELLED" in response.content


def test_order_detail_page_shows_items_and_events(buyer):
    order = place_order(buyer, [(ProductFactory(name="Shown item"), 1)])

    page = _client(AdminFactory()).get(f"/admin/orders/order/{order.pk}/change/")

    assert page.status_code == 200
    assert b"Shown item" in page.content
    assert b"PAYMENT_PENDING" in page.content


def test_admin_refunds_a_card_order_through_the_gateway(buyer, django_capture_on_commit_callbacks):
    order = card_order(buyer, ProductFactory(price=2500))
    pay_order(order, "tok_visa", django_capture_on_commit_callbacks)

    response = _client(AdminFactory()).post(
        "/admin/orders/order/", {"action": "refund", "_selected_action": [order.pk]}, follow=True
    )

    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, 2500)
    assert (payment.status, payment.refunds.get().status) == ("REFUNDED", "SUCCEEDED")
    # The admin capitalises a message's first letter, a uuid's too.
    assert f"{order.pk}: refunded" in response.content.decode().lower()
    assert ledger_violations() == []
