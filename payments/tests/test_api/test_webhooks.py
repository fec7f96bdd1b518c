import json
import time
import uuid

import pytest
import stripe
from django.test import Client

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from orders.models import Order
from payments.models import Payment, WebhookEvent
from payments.tests.factories import card_order, pay_order
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks/stripe"
SECRET = "whsec_test_secret"


def _event(kind, obj, *, created=None, event_id=None):
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:20]}",
        "object": "event",
        "type": kind,
        "created": created or int(time.time()),
        "data": {"object": obj},
    }


def _intent(payment, *, amount=None, currency=None):
    return {
        "id": payment.gateway_reference,
        "object": "payment_intent",
        "amount": amount if amount is not None else payment.amount,
        "currency": currency or payment.currency.lower(),
        "metadata": {"payment_id": str(payment.pk)},
    }


def _send(event, *, secret=SECRET, body=None, signature=None):
    payload = body if body is not None else json.dumps(event)
    header = signature or stripe.WebhookSignature.generate_signature_header(payload, secret)
    return Client().post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


@pytest.fixture
def pending_payment(fake_stripe, django_capture_on_commit_callbacks):
    """A card order whose Stripe PaymentIntent is still processing."""
    order = card_order(UserFactory(), ProductFactory(price=4200))
    payment = pay_order(order, "tok_processing", django_capture_on_commit_callbacks)
    assert payment.status == "PROCESSING"
    return payment


def test_succeeded_event_settles_the_payment_and_the_order(pending_payment):
    response = _send(_event("payment_intent.succeeded", _intent(pending_payment)))

    assert response.status_code == 200
    pending_payment.refresh_from_db()
    assert pending_payment.status == "SUCCEEDED"
    assert pending_payment.order.status == Order.Status.PAID
    record = WebhookEvent.objects.get()
    assert record.signature_valid and record.processed
    assert record.headers["Stripe-Signature"]
    assert ledger_violations() == []


def test_a_duplicate_event_is_processed_once(pending_payment):
    event = _event("payment_intent.succeeded", _intent(pending_payment))

    first, second = _send(event), _send(event)

    assert first.status_code == second.status_code == 200
    assert WebhookEvent.objects.count() == 1
    from wallets.models import Transfer

    assert Transfer.objects.filter(reference=f"order:{pending_payment.order_id}").count() == 1


@pytest.mark.parametrize("tamper", ["unsigned", "wrong_secret", "edited_body", "too_old"])
def test_bad_signatures_are_rejected_and_stored_unprocessed(pending_payment, tamper):
    event = _event("payment_intent.succeeded", _intent(pending_payment))
    payload = json.dumps(event)
    if tamper == "unsigned":
        response = Client().post(URL, data=payload, content_type="application/json")
    elif tamper == "wrong_secret":
        response = _send(event, secret="whsec_attacker")
    elif tamper == "edited_body":
        signature = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
        response = _send(event, body=payload.replace("4200", "1"), signature=signature)
    else:
        old = int(time.time()) - 3600
        signature = stripe.WebhookSignature.generate_signature_header(
            payload, SECRET, timestamp=old
        )
        response = _send(event, signature=signature)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    record = WebhookEvent.objects.get()
    assert (record.signature_valid, record.processed) == (False, False)
    assert record.error
    pending_payment.refresh_from_db()
    assert pending_payment.status == "PROCESSING"


def test_an_older_failure_after_a_newer_success_is_ignored(pending_payment):
    now = int(time.time())
    _send(_event("payment_intent.succeeded", _intent(pending_payment), created=now))

    response = _send(
        _event("payment_intent.payment_failed", _intent(pending_payment), created=now - 60)
    )

    assert response.status_code == 200
    pending_payment.refresh_from_db()
    assert pending_payment.status == "SUCCEEDED"
    assert pending_payment.order.status == Order.Status.PAID
    assert "stale" in WebhookEvent.objects.order_by("received_at").last().error


def test_a_failure_never_undoes_a_success_even_when_newer(pending_payment):
    now = int(time.time())
    _send(_event("payment_intent.succeeded", _intent(pending_payment), created=now))

    _send(_event("payment_intent.payment_failed", _intent(pending_payment), created=now + 60))

    pending_payment.refresh_from_db()
    assert pending_payment.status == "SUCCEEDED"


def test_failed_event_fails_the_payment_and_the_order_waits_for_another_card(pending_payment):
    obj = {**_intent(pending_payment), "last_payment_error": {"message": "Insufficient funds."}}

    _send(_event("payment_intent.payment_failed", obj))

    pending_payment.refresh_from_db()
    assert (pending_payment.status, pending_payment.failure_message) == (
        "FAILED",
        "Insufficient funds.",
    )
    assert pending_payment.order.status == Order.Status.PAYMENT_PENDING


@pytest.mark.parametrize(("amount", "currency"), [(1, None), (None, "eur")])
def test_an_event_whose_amount_or_currency_differs_is_not_applied(
    pending_payment, amount, currency
):
    response = _send(
        _event(
            "payment_intent.succeeded", _intent(pending_payment, amount=amount, currency=currency)
        )
    )

    assert response.status_code == 200
    pending_payment.refresh_from_db()
    assert pending_payment.status == "PROCESSING"
    assert pending_payment.order.status == Order.Status.PAYMENT_PENDING
    assert "mismatch" in WebhookEvent.objects.get().error


def test_charge_refunded_event_marks_the_payment(pending_payment):
    _send(_event("payment_intent.succeeded", _intent(pending_payment)))
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": pending_payment.gateway_reference,
        "amount_refunded": 1000,
    }

    _send(_event("charge.refunded", charge))

    pending_payment.refresh_from_db()
    assert (pending_payment.status, pending_payment.refunded_amount) == ("PARTIALLY_REFUNDED", 1000)


def test_unknown_event_types_are_stored_and_acknowledged(pending_payment):
    response = _send(_event("customer.created", {"id": "cus_1", "object": "customer"}))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().error.startswith("ignored")
    assert Payment.objects.get(pk=pending_payment.pk).status == "PROCESSING"


def test_a_late_capture_for_a_checkout_paid_since_is_recorded_and_refunded(
    django_capture_on_commit_callbacks,
):
    from accounts.tests.factories import MerchantFactory
    from conftest import client_for
    from wallets.selectors import wallet_balances

    merchant, buyer = MerchantFactory(), UserFactory()
    checkout = client_for(merchant).post(
        "/api/v1/checkouts", {"amount": 1800}, format="json", HTTP_IDEMPOTENCY_KEY="inv-7"
    )
    url = f"/api/v1/checkouts/{checkout.json()['id']}/pay"
    for token in ("tok_chargeDeclined", "tok_visa"):
        with django_capture_on_commit_callbacks(execute=True):
            client_for(buyer).post(
                url,
                {"payment_method": "CARD", "card_token": token},
                format="json",
                HTTP_IDEMPOTENCY_KEY=token,
            )
    failed = Payment.objects.get(card_token="tok_chargeDeclined")
    assert failed.status == "FAILED"
    event = _event("payment_intent.succeeded", _intent(failed))

    with django_capture_on_commit_callbacks(execute=True):
        response = _send(event)
    redelivered = _send(event)

    assert (response.status_code, redelivered.status_code) == (200, 200)
    failed.refresh_from_db()
    assert failed.late_capture
    assert (failed.status, failed.refunded_amount) == ("REFUNDED", 1800)
    assert failed.refunds.get().status == "SUCCEEDED"
    # Owed once, for the other payment.
    assert wallet_balances(user=merchant, currency="USD").pending == 1800
    assert ledger_violations() == []


def test_a_late_capture_of_a_failed_order_payment_goes_back_to_the_card(
    django_capture_on_commit_callbacks,
):
    order = card_order(UserFactory(), ProductFactory(price=900))
    payment = pay_order(order, "tok_chargeDeclined", django_capture_on_commit_callbacks)
    assert (payment.status, order.status) == ("FAILED", Order.Status.PAYMENT_PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        response = _send(_event("payment_intent.succeeded", _intent(payment)))

    assert response.status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    # The failed payment was final: its capture goes back to the card, and the
    # order still waits for a payment of its own.
    assert (payment.status, payment.late_capture) == ("REFUNDED", True)
    assert order.status == Order.Status.PAYMENT_PENDING
    assert ledger_violations() == []
