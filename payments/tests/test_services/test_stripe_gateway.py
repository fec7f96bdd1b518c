"""The Stripe gateway against the local fake of Stripe's HTTP API."""

import uuid

import pytest

from accounts.tests.factories import UserFactory
from payments.gateways import TransientGatewayError, get_gateway
from payments.models import Outcome, Payment

pytestmark = pytest.mark.django_db


def _payment(token="tok_visa", amount=1999):
    return Payment(
        id=uuid.uuid4(),
        purpose="TOPUP",
        payer=UserFactory.build(),
        amount=amount,
        currency="EUR",
        card_token=token,
    )


def test_charge_creates_and_confirms_a_payment_intent(fake_stripe):
    payment = _payment()

    result = get_gateway().charge(payment=payment, attempt=1)

    assert result.outcome == "succeeded"
    intent = fake_stripe.intents[result.reference]
    assert (intent["amount"], intent["currency"]) == (1999, "eur")
    assert intent["metadata"] == {"payment_id": str(payment.pk)}


def test_charging_the_same_payment_twice_creates_one_payment_intent(fake_stripe):
    payment = _payment()

    first = get_gateway().charge(payment=payment, attempt=1)
    second = get_gateway().charge(payment=payment, attempt=2)

    assert first.reference == second.reference
    assert len(fake_stripe.intents) == 1
    assert {key for _, key in fake_stripe.requests} == {payment.gateway_idempotency_key}


def test_a_card_error_is_a_decline(fake_stripe):
    result = get_gateway().charge(payment=_payment("tok_chargeDeclined"), attempt=1)

    assert result.outcome == "declined"
    assert "declined" in result.message


def test_a_server_error_is_transient(fake_stripe):
    with pytest.raises(TransientGatewayError):
        get_gateway().charge(payment=_payment("tok_fail500"), attempt=1)


def test_an_unreachable_stripe_is_transient(settings):
    from payments import gateways

    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    gateways._build.cache_clear()
    try:
        with pytest.raises(TransientGatewayError):
            get_gateway().charge(payment=_payment(), attempt=1)
    finally:
        gateways._build.cache_clear()


def test_a_processing_intent_is_pending(fake_stripe):
    result = get_gateway().charge(payment=_payment("tok_processing"), attempt=1)

    assert result.outcome == "pending"
    assert result.reference.startswith("pi_")


def test_refund_is_keyed_by_the_refund_id(fake_stripe):
    from payments.models import PaymentRefund

    payment = _payment()
    payment.gateway_reference = get_gateway().charge(payment=payment, attempt=1).reference
    refund = PaymentRefund(id=uuid.uuid4(), payment=payment, amount=500)

    first = get_gateway().refund(payment=payment, refund=refund)
    again = get_gateway().refund(payment=payment, refund=refund)

    assert first.outcome == Outcome.SUCCEEDED and first.reference == again.reference
    assert len(fake_stripe.refunds) == 1
    assert next(iter(fake_stripe.refunds.values()))["amount"] == 500


def test_a_pending_intent_is_looked_up_not_created_again(
    fake_stripe, django_capture_on_commit_callbacks
):
    """The reconciler's later attempt sees the PaymentIntent as Stripe has it now."""
    from catalog.tests.factories import ProductFactory
    from payments.services import payment_process
    from payments.tests.factories import card_order, pay_order

    order = card_order(UserFactory(), ProductFactory(price=700))
    payment = pay_order(order, "tok_processing", django_capture_on_commit_callbacks)
    assert payment.status == "PROCESSING"
    fake_stripe.intents[payment.gateway_reference]["status"] = "succeeded"

    assert payment_process(payment_id=payment.pk) == "succeeded"

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == ("SUCCEEDED", "PAID")
    assert len(fake_stripe.intents) == 1
    assert fake_stripe.requests[-1] == (f"/v1/payment_intents/{payment.gateway_reference}", None)
