"""The Stripe path against localstripe (a stateful fake of Stripe's API written by
others), beside Kassa's own fake: a card order paid through localstripe's
signed webhook, then refunded in part and in full.

localstripe refuses `automatic_payment_methods`, so in this test only the
PaymentIntent asks for `payment_method_types=["card"]` instead (docs/payments.md)."""

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import stripe

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from orders.models import Order
from payments import gateways
from payments.models import Payment
from payments.services import payment_start_in_browser, refund_order
from payments.tests.factories import card_order
from payments.tests.worker import wait_until
from wallets.tests.factories import settle_proceeds
from wallets.verification import ledger_violations

SECRET_KEY = "sk_test_kassa"
WEBHOOK_SECRET = "whsec_localstripe"
# Installed beside this interpreter (requirements-test.txt), whatever PATH says.
LOCALSTRIPE = shutil.which("localstripe", path=str(Path(sys.executable).parent))

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(LOCALSTRIPE is None, reason="localstripe is not installed"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        requests.get(f"{url}/v1/payment_intents", auth=(SECRET_KEY, ""), timeout=1)
    except requests.ConnectionError:
        return False
    return True


@pytest.fixture
def localstripe(settings, live_server):
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - localstripe from this venv
        [LOCALSTRIPE, "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url), what="localstripe to start", timeout=20)
        requests.post(
            f"{url}/_config/webhooks/kassa",
            json={
                "url": f"{live_server.url}/api/v1/webhooks/stripe",
                "secret": WEBHOOK_SECRET,
                "events": ["payment_intent.succeeded"],
            },
            timeout=5,
        ).raise_for_status()
        settings.PAYMENT_GATEWAY = "stripe"
        settings.STRIPE_API_BASE = url
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        gateways._build.cache_clear()
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        gateways._build.cache_clear()


def _confirm_in_the_browser(url: str, intent: str) -> None:
    """What Stripe.js does with the card the buyer typed; localstripe then sends
    the signed payment_intent.succeeded webhook to Kassa. (localstripe knows no
    `pm_card_visa` and will not take a payment method at confirm.)"""

    def post(path: str, **data):
        answer = requests.post(f"{url}{path}", data=data, auth=(SECRET_KEY, ""), timeout=5)
        answer.raise_for_status()
        return answer.json()

    card = post(
        "/v1/payment_methods",
        **{
            "type": "card",
            "card[number]": "4242424242424242",
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    )
    post(f"/v1/payment_intents/{intent}", payment_method=card["id"])
    post(f"/v1/payment_intents/{intent}/confirm")


@pytest.fixture
def card_payment_methods_only(monkeypatch):
    """localstripe refuses automatic_payment_methods; real Stripe wants it."""
    create = stripe.PaymentIntentService.create

    def card_only(service, params=None, options=None):
        params = {k: v for k, v in (params or {}).items() if k != "automatic_payment_methods"}
        return create(service, {**params, "payment_method_types": ["card"]}, options)

    monkeypatch.setattr(stripe.PaymentIntentService, "create", card_only)


def test_a_card_order_is_paid_through_localstripes_webhook_then_refunded(
    localstripe, card_payment_methods_only
):
    product = ProductFactory(price=15_000)
    buyer = UserFactory()
    order = card_order(buyer, product)

    payment, client_secret = payment_start_in_browser(order=order, payer=buyer)
    assert client_secret.startswith(payment.gateway_reference)
    _confirm_in_the_browser(localstripe, payment.gateway_reference)
    wait_until(
        lambda: Order.objects.get(pk=order.pk).status == Order.Status.PAID,
        what="the webhook to mark the order paid",
        timeout=20,
    )
    settle_proceeds()

    partial = refund_order(order=order, amount=4000, actor=product.merchant)
    order.refresh_from_db()
    assert (partial.status, order.status, order.refunded_amount) == ("SUCCEEDED", "PAID", 4000)
    rest = refund_order(order=order, amount=None, actor=product.merchant)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (rest.status, rest.amount) == ("SUCCEEDED", 11_000)
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, 15_000)
    assert (payment.status, payment.refunded_amount) == (Payment.Status.REFUNDED, 15_000)
    refunds = requests.get(f"{localstripe}/v1/refunds", auth=(SECRET_KEY, ""), timeout=5).json()
    assert sorted(r["amount"] for r in refunds["data"]) == [4000, 11_000]
    assert ledger_violations() == []
