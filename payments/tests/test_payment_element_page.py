"""The card page with PAYMENT_GATEWAY=stripe and a publishable key: Stripe's
Payment Element, tested on the server side against the local Stripe fake (the
browser part needs js.stripe.com, which this machine cannot reach)."""

import json
import time
import uuid

import pytest
import stripe
from django.test import Client

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from orders.models import Order
from payments.models import Payment
from payments.services import payment_process
from payments.tests.factories import card_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def element(fake_stripe, settings):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_kassa"
    return fake_stripe


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_card_page_shows_the_payment_element_for_one_reusable_intent(element):
    buyer = UserFactory()
    order = card_order(buyer, ProductFactory(price=2400))

    first = _client(buyer).get(f"/orders/{order.pk}/pay/")
    again = _client(buyer).get(f"/orders/{order.pk}/pay/")

    html = first.content.decode()
    (intent,) = element.intents.values()
    assert first.status_code == 200
    assert f'data-client-secret="{intent["client_secret"]}"' in html
    assert 'data-publishable-key="pk_test_kassa"' in html
    assert "https://js.stripe.com" in first["Content-Security-Policy"]
    assert "https://js.stripe.com" not in Client().get("/")["Content-Security-Policy"]
    assert again.status_code == 200 and len(element.intents) == 1
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.gateway_reference, payment.card_token) == (
        "PENDING",
        intent["id"],
        "",
    )
    assert intent["status"] == "requires_payment_method" and intent["amount"] == 2400


def test_the_reconciler_leaves_an_unconfirmed_browser_payment_waiting(element):
    buyer = UserFactory()
    order = card_order(buyer, ProductFactory(price=2400))
    _client(buyer).get(f"/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)

    payment_process(payment_id=payment.pk)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == "PROCESSING"
    assert order.status == Order.Status.PAYMENT_PENDING


def test_the_webhook_settles_a_payment_confirmed_in_the_browser(element, settings):
    buyer = UserFactory()
    order = card_order(buyer, ProductFactory(price=2400))
    _client(buyer).get(f"/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    event = {
        "id": f"evt_{uuid.uuid4().hex[:16]}",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": payment.gateway_reference,
                "amount": 2400,
                "currency": "usd",
                "metadata": {"payment_id": str(payment.pk)},
            }
        },
    }
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, settings.STRIPE_WEBHOOK_SECRET)

    response = Client().post(
        "/api/v1/webhooks/stripe",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )

    order.refresh_from_db()
    assert response.status_code == 200
    assert order.status == Order.Status.PAID
