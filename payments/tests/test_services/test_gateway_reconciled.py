"""The gateway's own record read back: Kassa's or the operator's errors are not
declines, refunds made at the gateway reach the order and the merchant's money,
a refund Stripe answers pending is settled by its later word, and
reconcile_gateway finds what still differs."""

import json
import time
import uuid
from datetime import timedelta

import pytest
import stripe
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from core.metrics import GATEWAY_ERRORS
from orders.models import Order
from payments.models import Payment, PaymentRefund, SimulatedGatewayRecord
from payments.services import refund_order
from payments.services.reconciliation import reconcile_gateway
from payments.tests.factories import card_order, pay_order
from wallets.selectors import wallet_balances
from wallets.tests.factories import settle_proceeds
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_secret"


def _send(kind, obj):
    payload = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:20]}",
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    )
    header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
    return Client().post(
        "/api/v1/webhooks/stripe",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


def test_a_revoked_secret_key_keeps_the_order_and_tells_the_buyer_card_payments_are_unavailable(
    fake_stripe, django_capture_on_commit_callbacks
):
    fake_stripe.revoked = True
    order = card_order(UserFactory(), ProductFactory(price=1500))
    before = GATEWAY_ERRORS.labels("authentication")._value.get()

    payment = pay_order(order, "pm_card_visa", django_capture_on_commit_callbacks)

    order.refresh_from_db()
    attempt = payment.attempts.get()
    assert (payment.status, order.status) == ("PENDING", Order.Status.PAYMENT_PENDING)
    assert payment.failure_code == ""
    assert attempt.outcome == "unavailable"
    assert attempt.error_message == "Card payments are unavailable right now; your order is kept."
    assert GATEWAY_ERRORS.labels("authentication")._value.get() == before + 1
    client = Client()
    client.force_login(order.buyer)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert "Card payments are unavailable right now" in html
    assert "Invalid API Key" not in html


def test_a_refund_made_at_the_gateway_is_recorded_on_the_order_and_the_merchants_money(
    fake_stripe, django_capture_on_commit_callbacks
):
    product = ProductFactory(price=15_000)
    order = card_order(UserFactory(), product)
    payment = pay_order(order, "pm_card_visa", django_capture_on_commit_callbacks)
    settle_proceeds()
    merchant = product.merchant
    at_gateway = fake_stripe.refund_made_in_the_dashboard(payment.gateway_reference, 3000)
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": payment.gateway_reference,
        "amount": 15_000,
        "amount_refunded": 3000,
        "refunds": {"object": "list", "data": [at_gateway]},
        "metadata": {},
    }

    first = _send("charge.refunded", charge)
    again = _send("charge.refunded", charge)
    order.refresh_from_db()
    assert (first.status_code, again.status_code) == (200, 200)
    assert (order.status, order.refunded_amount) == (Order.Status.PAID, 3000)
    assert wallet_balances(user=merchant, currency="USD").available == 12_000
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, amount=None, actor=merchant)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("REFUNDED", 15_000)
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, 15_000)
    assert wallet_balances(user=merchant, currency="USD").available == 0
    assert PaymentRefund.objects.filter(payment=payment, made_at_gateway=True).count() == 1
    assert ledger_violations() == []


def test_a_refund_made_at_the_gateway_beyond_the_merchants_balance_leaves_debt(
    fake_stripe, django_capture_on_commit_callbacks
):
    from wallets.services import wallet_withdraw

    product = ProductFactory(price=5000)
    order = card_order(UserFactory(), product)
    payment = pay_order(order, "pm_card_visa", django_capture_on_commit_callbacks)
    settle_proceeds()
    wallet_withdraw(user=product.merchant, amount=5000, currency="USD")
    at_gateway = fake_stripe.refund_made_in_the_dashboard(payment.gateway_reference, 5000)

    _send(
        "charge.refunded",
        {
            "id": "ch_2",
            "payment_intent": payment.gateway_reference,
            "amount": 5000,
            "amount_refunded": 5000,
            "refunds": {"data": [at_gateway]},
        },
    )

    order.refresh_from_db()
    balances = wallet_balances(user=product.merchant, currency="USD")
    assert order.status == Order.Status.REFUNDED
    assert (balances.available, balances.debt) == (0, 5000)
    assert ledger_violations() == []


def test_a_refund_answered_pending_holds_the_money_until_the_gateway_says_it_failed(
    fake_stripe, django_capture_on_commit_callbacks
):
    product = ProductFactory(price=4000)
    order = card_order(UserFactory(), product)
    payment = pay_order(order, "pm_card_visa", django_capture_on_commit_callbacks)
    settle_proceeds()
    fake_stripe.refund_status = "pending"

    refund = refund_order(order=order, amount=None, actor=product.merchant)

    order.refresh_from_db()
    assert (refund.status, order.status) == ("PENDING", Order.Status.PAID)
    assert wallet_balances(user=product.merchant, currency="USD").available == 0  # held
    update = {
        **fake_stripe.refunds[refund.gateway_reference],
        "status": "failed",
        "failure_reason": "lost_or_stolen_card",
    }
    assert _send("charge.refund.updated", update).status_code == 200

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == "FAILED"
    assert (payment.status, payment.refunded_amount) == ("SUCCEEDED", 0)
    assert wallet_balances(user=product.merchant, currency="USD").available == 4000
    assert ledger_violations() == []


def test_a_refund_answered_pending_is_recorded_once_the_gateway_says_it_succeeded(
    fake_stripe, django_capture_on_commit_callbacks
):
    product = ProductFactory(price=4000)
    order = card_order(UserFactory(), product)
    pay_order(order, "pm_card_visa", django_capture_on_commit_callbacks)
    settle_proceeds()
    fake_stripe.refund_status = "pending"
    refund = refund_order(order=order, amount=1000, actor=product.merchant)

    _send(
        "charge.refund.updated",
        {**fake_stripe.refunds[refund.gateway_reference], "status": "succeeded"},
    )

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "SUCCEEDED"
    assert order.refunded_amount == 1000
    assert ledger_violations() == []


def test_reconcile_gateway_agrees_with_the_simulated_gateways_journal_then_finds_a_difference(
    django_capture_on_commit_callbacks,
):
    product = ProductFactory(price=2000)
    order = card_order(UserFactory(), product)
    payment = pay_order(order, "tok_visa", django_capture_on_commit_callbacks)
    settle_proceeds()
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, amount=500, actor=product.merchant)
    since = timezone.now() - timedelta(hours=1)
    assert reconcile_gateway(since=since) == []

    SimulatedGatewayRecord.objects.create(
        kind="refund",
        reference="sim_re_made_elsewhere",
        payment_reference=payment.gateway_reference,
        amount=300,
        currency="USD",
        status="succeeded",
    )
    Payment.objects.filter(pk=payment.pk).update(amount=2100)

    kinds = {mismatch.kind for mismatch in reconcile_gateway(since=since)}
    assert kinds == {"refund_not_recorded", "charge_amount"}
    with pytest.raises(Exception, match="2 mismatch"):
        call_command("reconcile_gateway", "--since", since.date().isoformat())


def test_reconcile_gateway_reads_stripes_lists(fake_stripe, django_capture_on_commit_callbacks):
    order = card_order(UserFactory(), ProductFactory(price=2000))
    payment = pay_order(order, "pm_card_visa", django_capture_on_commit_callbacks)
    since = timezone.now() - timedelta(hours=1)
    assert reconcile_gateway(since=since) == []

    fake_stripe.refund_made_in_the_dashboard(payment.gateway_reference, 700)  # never notified

    assert [m.kind for m in reconcile_gateway(since=since)] == ["refund_not_recorded"]
