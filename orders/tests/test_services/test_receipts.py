"""Receipts and refund notices: sent after the commit that paid or refunded, the
amounts are the order's, and no email ever holds a code."""

import re
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as OutboxBackend
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory, code_product
from core.money import format_money
from orders.models import Order
from orders.services import order_receipt_email_send, order_receipts_send_due, receipts
from orders.tasks import send_due_receipts_task
from orders.tests.factories import place_order
from payments.services import refund_order
from payments.tests.factories import card_order, pay_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db
CODES = ["GIFT-AAAA-1111", "GIFT-BBBB-2222"]


@pytest.fixture
def buyer():
    user = UserFactory(first_name="Ann", last_name="Buyer")
    funded_wallet(user, 100_000)
    return user


def _receipts():
    return [m for m in mail.outbox if m.subject.startswith("Your Kassa receipt")]


def test_a_paid_wallet_order_emails_a_receipt_whose_amounts_match_the_order(
    buyer, django_capture_on_commit_callbacks
):
    nora = MerchantFactory(first_name="Nora", last_name="Games")
    olu = MerchantFactory(first_name="Olu", last_name="Studio")
    gift = code_product(codes=CODES, merchant=nora, price=2500, name="Gift card")
    album = ProductFactory(merchant=olu, price=1999, name="Album", stock=5)

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(buyer, [(gift, 2), (album, 1)])

    [receipt] = _receipts()
    body = receipt.body
    assert receipt.to == [buyer.email]
    assert f"Order number: {order.number}" in body
    assert "2 × Gift card (Nora Games), $25.00 each: $50.00" in body
    assert "1 × Album (Olu Studio), $19.99 each: $19.99" in body
    assert order.total == 6999
    assert f"Total paid: {format_money(order.total, 'USD')}" in body
    assert "Subtotal: $69.99" in body
    assert "Sold by: Nora Games, Olu Studio" in body and "Paid with: Wallet" in body
    assert f"/orders/{order.pk}/" in body
    assert "Discount" not in body
    assert not any(code in m.body for code in CODES for m in mail.outbox)


def test_a_card_order_gets_its_receipt_when_the_card_is_captured(
    buyer, django_capture_on_commit_callbacks
):
    product = ProductFactory(price=1200)
    order = card_order(buyer, product)
    unpaid = len(_receipts())

    pay_order(order, "tok_visa", django_capture_on_commit_callbacks)

    assert unpaid == 0
    [receipt] = _receipts()
    assert "Paid with: Card" in receipt.body and "Total paid: $12.00" in receipt.body


def test_the_receipt_shows_an_order_level_discount(buyer, django_capture_on_commit_callbacks):
    order = place_order(buyer, [(ProductFactory(price=2000), 1)])
    # What a discount code will do: the order's total below the sum of its lines.
    Order.objects.filter(pk=order.pk).update(total=1500)

    order_receipt_email_send(order_id=str(order.pk))

    body = mail.outbox[-1].body
    assert "Subtotal: $20.00" in body
    assert "Discount: -$5.00" in body
    assert "Total paid: $15.00" in body


def test_refunds_email_a_short_notice_and_no_email_holds_a_code(
    buyer, django_capture_on_commit_callbacks
):
    gift = code_product(codes=CODES, price=1000)
    card_product = ProductFactory(price=3000)
    with django_capture_on_commit_callbacks(execute=True):
        wallet_paid = place_order(buyer, [(gift, 1)])
    card_paid = card_order(buyer, card_product)
    pay_order(card_paid, "tok_visa", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=wallet_paid, amount=None, actor=gift.merchant)
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=card_paid, amount=1000, actor=card_product.merchant, request_key="r1")

    notices = [m.body for m in mail.outbox if m.subject.startswith("Refund for")]
    assert len(notices) == 2
    assert "$10.00 of your order" in notices[0] and "to your Kassa wallet" in notices[0]
    assert "$10.00 of your order" in notices[1] and "to your card" in notices[1]
    assert not any(code in m.body for code in CODES for m in mail.outbox)


def test_email_my_receipt_again_is_throttled_and_the_printable_receipt_has_no_code(
    buyer, django_capture_on_commit_callbacks
):
    gift = code_product(codes=CODES, price=1000, name="Gift card")
    order = place_order(buyer, [(gift, 1)])
    client = Client()
    client.force_login(buyer)

    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            client.post(f"/orders/{order.pk}/receipt/email/", follow=True).content.decode()
            for _ in range(4)
        ]
    printable = client.get(f"/orders/{order.pk}/receipt/").content.decode()
    other = Client()
    other.force_login(UserFactory())

    assert "Your receipt is on its way" in answers[0]
    assert "sent a few times already" in answers[3]
    assert len(_receipts()) == 3
    assert re.search(r"Total paid</th><td[^>]*><strong>\$10\.00", printable)
    assert not any(code in printable for code in CODES)
    assert other.get(f"/orders/{order.pk}/receipt/").status_code in (403, 404)


def test_an_unpaid_order_has_no_receipt_yet(buyer):
    order = card_order(buyer, ProductFactory(price=500))
    client = Client()
    client.force_login(buyer)

    page = client.get(f"/orders/{order.pk}/receipt/")
    again = client.post(f"/orders/{order.pk}/receipt/email/", follow=True)

    assert page.status_code == 302
    assert "no receipt until it is paid" in again.content.decode()


def test_a_receipt_whose_first_send_failed_is_sent_once_its_lease_ends(
    buyer, django_capture_on_commit_callbacks, monkeypatch
):
    product = ProductFactory(price=1200)
    send = receipts.send_mail
    failures = iter([SMTPServerDisconnected("the mail server went away")])

    def flaky_send_mail(**message):
        if failure := next(failures, None):
            raise failure
        return send(**message)

    monkeypatch.setattr(receipts, "send_mail", flaky_send_mail)
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(buyer, [(product, 1)])
    assert _receipts() == []

    assert order_receipts_send_due() == 0  # leased: not yet
    later = timezone.now() + receipts.RECEIPT_LEASE + timedelta(seconds=1)
    assert order_receipts_send_due(now=later) == 1
    assert order_receipts_send_due(now=later) == 0

    [receipt] = _receipts()
    assert f"Order number: {order.number}" in receipt.body


def test_a_broker_down_when_the_order_was_paid_loses_no_receipt(
    buyer, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(send_due_receipts_task, "apply_async", broker_down)
    product = ProductFactory(price=1200)
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(buyer, [(product, 1)])
    assert _receipts() == []

    send_due_receipts_task()  # beat's run, once the broker is back

    [receipt] = _receipts()
    assert f"Order number: {order.number}" in receipt.body
    assert Order.objects.get(pk=order.pk).receipt_due_at is None


def test_a_sweep_reads_and_marks_a_batch_of_receipts_in_as_many_queries_as_one(buyer):
    product = ProductFactory(price=100, stock=100)
    later = timezone.now() + timedelta(seconds=1)

    def sweep_of(count):
        for _ in range(count):
            place_order(buyer, [(product, 1)])
        with CaptureQueriesContext(connection) as queries:
            assert order_receipts_send_due(now=later) == count
        return len(queries)

    assert sweep_of(2) == sweep_of(20)
    assert len(_receipts()) == 22
    assert all(f"{format_money(100, 'USD')}" in receipt.body for receipt in _receipts())


def test_a_mail_server_that_cannot_be_reached_leaves_every_receipt_due(buyer, monkeypatch):
    product = ProductFactory(price=100)
    order = place_order(buyer, [(product, 1)])
    later = timezone.now() + timedelta(seconds=1)

    class Unreachable(OutboxBackend):
        def open(self):
            raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(receipts, "get_connection", lambda: Unreachable())
    assert order_receipts_send_due(now=later) == 0
    assert Order.objects.get(pk=order.pk).receipt_due_at is not None

    monkeypatch.undo()
    assert order_receipts_send_due(now=later) == 1
    assert Order.objects.get(pk=order.pk).receipt_due_at is None
