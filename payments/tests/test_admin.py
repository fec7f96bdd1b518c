import pytest
from django.test import Client

from accounts.tests.factories import AdminFactory, UserFactory
from catalog.tests.factories import ProductFactory
from payments.models import Checkout, Payment
from payments.services import checkout_create, payment_create_for_checkout
from payments.tests.factories import card_order, pay_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    client = Client()
    client.force_login(AdminFactory())
    return client


def _exhausted_checkout_payment(capture):
    checkout, _ = checkout_create(
        merchant=ProductFactory().merchant, idempotency_key="k", amount=900, currency="USD"
    )
    with capture(execute=True):
        payment = payment_create_for_checkout(
            checkout=checkout, payer=UserFactory(), method="CARD", card_token="tok_timeout"
        )
    payment.refresh_from_db()
    assert payment.failure_code == "retries_exhausted"
    return payment


def test_exhausted_payments_are_listed_and_can_be_retried(
    staff, django_capture_on_commit_callbacks
):
    payment = _exhausted_checkout_payment(django_capture_on_commit_callbacks)
    Payment.objects.filter(pk=payment.pk).update(card_token="tok_visa")  # the gateway recovered

    listing = staff.get("/admin/payments/payment/", {"exhausted": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            "/admin/payments/payment/",
            {"action": "retry_now", "_selected_action": [str(payment.pk)]},
        )

    assert str(payment.pk).encode() in listing.content
    payment.refresh_from_db()
    assert payment.status == "SUCCEEDED"
    assert Checkout.objects.get().status == "COMPLETED"
    assert payment.attempts.count() == 5


def test_retry_is_refused_for_payments_that_did_not_exhaust_retries(
    staff, django_capture_on_commit_callbacks
):
    checkout, _ = checkout_create(
        merchant=ProductFactory().merchant, idempotency_key="k", amount=900, currency="USD"
    )
    with django_capture_on_commit_callbacks(execute=True):
        payment = payment_create_for_checkout(
            checkout=checkout, payer=UserFactory(), method="CARD", card_token="tok_chargeDeclined"
        )

    response = staff.post(
        "/admin/payments/payment/",
        {"action": "retry_now", "_selected_action": [str(payment.pk)]},
        follow=True,
    )

    assert b"Only payments whose retries ran out" in response.content
    payment.refresh_from_db()
    assert payment.status == "FAILED"


def test_webhook_events_are_shown_in_the_admin(staff):
    from payments.models import WebhookEvent

    WebhookEvent.objects.create(body="{}", error="bad signature")

    page = staff.get("/admin/payments/webhookevent/")

    assert page.status_code == 200
    assert b"bad signature" in page.content


def test_an_exhausted_order_payment_is_retried_unless_the_buyer_paid_with_another_card(
    staff, django_capture_on_commit_callbacks
):
    buyer = UserFactory()
    first = card_order(buyer, ProductFactory(price=700))
    exhausted = pay_order(first, "tok_timeout", django_capture_on_commit_callbacks)
    assert (exhausted.failure_code, first.status) == ("retries_exhausted", "PAYMENT_PENDING")
    Payment.objects.filter(pk=exhausted.pk).update(card_token="tok_visa")  # the gateway recovered

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            "/admin/payments/payment/",
            {"action": "retry_now", "_selected_action": [str(exhausted.pk)]},
        )

    first.refresh_from_db()
    assert first.status == "PAID"

    second = card_order(buyer, ProductFactory(price=800))
    gave_up = pay_order(second, "tok_timeout", django_capture_on_commit_callbacks)
    pay_order(second, "tok_visa", django_capture_on_commit_callbacks)  # another card
    response = staff.post(
        "/admin/payments/payment/",
        {"action": "retry_now", "_selected_action": [str(gave_up.pk)]},
        follow=True,
    )

    assert b"it can no longer be paid" in response.content
    gave_up.refresh_from_db()
    assert gave_up.status == "FAILED"
