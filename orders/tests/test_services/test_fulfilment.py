"""The merchant's "Fulfil" of a hand-delivered order: the code or message it
gives the buyer is kept encrypted, and the buyer is emailed that it is ready."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from core import crypto
from orders.models import Order
from orders.selectors import order_fulfilment_note
from orders.services import order_fulfill
from orders.tests.factories import place_order

pytestmark = pytest.mark.django_db


def _ready_emails():
    return [message for message in mail.outbox if message.subject == "Your order is ready"]


@pytest.fixture
def paid_manual_order(buyer):
    return place_order(buyer, [(ProductFactory(name="Design review call"), 1)])


def test_a_note_is_kept_encrypted_and_read_back_by_the_buyer(paid_manual_order):
    order = order_fulfill(
        order=paid_manual_order, actor=paid_manual_order.items.get().merchant, note=" ABCD-1234 "
    )

    stored = Order.objects.get(pk=order.pk).fulfilment_note_ciphertext
    assert "ABCD-1234" not in stored
    assert crypto.decrypt(stored) == "ABCD-1234"
    assert order_fulfilment_note(order=order, viewer=order.buyer) == "ABCD-1234"


def test_anyone_but_the_buyer_reads_the_note_masked(paid_manual_order):
    merchant = paid_manual_order.items.get().merchant
    order = order_fulfill(order=paid_manual_order, actor=merchant, note="ABCD-1234")

    assert order_fulfilment_note(order=order, viewer=merchant) == "ABCD-••••"
    assert order_fulfilment_note(order=order, viewer=UserFactory()) == "ABCD-••••"


def test_fulfilling_emails_the_buyer_with_the_note(
    paid_manual_order, django_capture_on_commit_callbacks
):
    merchant = paid_manual_order.items.get().merchant
    mail.outbox.clear()  # the receipt of the payment

    with django_capture_on_commit_callbacks(execute=True):
        order_fulfill(order=paid_manual_order, actor=merchant, note="Your seat: Thursday 10:00")

    (email,) = _ready_emails()
    assert email.to == [paid_manual_order.buyer.email]
    assert "From the merchant:\nYour seat: Thursday 10:00" in email.body
    assert "Design review call" in email.body
    assert f"/orders/{paid_manual_order.pk}/" in email.body


def test_fulfilling_without_a_note_still_says_the_order_is_ready(
    paid_manual_order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order_fulfill(order=paid_manual_order, actor=paid_manual_order.items.get().merchant)

    (email,) = _ready_emails()
    assert "From the merchant" not in email.body
    assert "It is all on your order page" in email.body
    assert Order.objects.get(pk=paid_manual_order.pk).fulfilment_note_ciphertext == ""


def test_a_key_rotation_re_encrypts_the_notes(paid_manual_order, settings):
    order_fulfill(
        order=paid_manual_order, actor=paid_manual_order.items.get().merchant, note="NOTE-0001"
    )
    old_key, new_key = settings.KASSA_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()

    try:
        with override_settings(KASSA_ENCRYPTION_KEYS=[new_key, old_key]):
            crypto._fernet.cache_clear()
            out = io.StringIO()
            call_command("rotate_encryption_key", stdout=out)
        with override_settings(KASSA_ENCRYPTION_KEYS=[new_key]):
            crypto._fernet.cache_clear()
            order = Order.objects.get(pk=paid_manual_order.pk)
            assert order_fulfilment_note(order=order, viewer=order.buyer) == "NOTE-0001"
    finally:
        crypto._fernet.cache_clear()
    assert "1 fulfilment notes" in out.getvalue()
