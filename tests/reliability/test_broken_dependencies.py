"""When PostgreSQL, Redis, the broker or the gateway misbehave, Kassa degrades
predictably and never writes half of anything."""

import time
import uuid
from unittest import mock

import psycopg
import pytest
from django.db import OperationalError
from django.test import override_settings

from accounts.tests.factories import UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD, client_for
from core.models import IdempotencyKey
from core.tests.test_health import DEAD_REDIS
from orders.models import Order
from payments.gateways import TransientGatewayError, get_gateway
from wallets.models import Transfer
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _key():
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


def _checkout(client, product):
    return client.post(
        "/api/v1/orders",
        {"items": [{"product_id": str(product.pk), "quantity": 1}], "payment_method": "WALLET"},
        format="json",
        **_key(),
    )


def _database_error(sqlstate: str | None) -> OperationalError:
    error = OperationalError("simulated")
    cause = (
        psycopg.errors.lookup(sqlstate)("simulated")
        if sqlstate
        else psycopg.OperationalError("connection refused")
    )
    error.__cause__ = cause
    return error


def test_an_unreachable_database_is_503_with_the_error_shape(customer):
    product = ProductFactory()
    funded_wallet(customer, 10_000)

    with mock.patch("orders.api.order_place", side_effect=_database_error(None)):
        response = _checkout(client_for(customer), product)

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"]
    assert not Order.objects.exists()


def test_a_database_lost_mid_checkout_leaves_no_partial_write(customer):
    product = ProductFactory(stock=5)
    funded_wallet(customer, 10_000)
    transfers = Transfer.objects.count()

    # The connection dies at the last statement, the stock's: after the order
    # rows, the money and the key's recorded answer were written.
    with mock.patch("orders.services.checkout.stock_take", side_effect=_database_error(None)):
        response = _checkout(client_for(customer), product)

    assert response.status_code == 503
    assert not Order.objects.exists()
    assert Stock.objects.get(pk=product.pk).available == 5
    assert Transfer.objects.count() == transfers
    assert not IdempotencyKey.objects.exists()  # a retry runs afresh


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_deadlock_or_serialization_failure_is_retried_then_succeeds(customer, sqlstate):
    from orders import services

    product = ProductFactory()
    funded_wallet(customer, 10_000)
    real = services.order_place
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise _database_error(sqlstate)
        return real(**kwargs)

    with mock.patch("orders.api.order_place", side_effect=flaky):
        response = _checkout(client_for(customer), product)

    assert response.status_code == 201
    assert len(calls) == 3
    assert Order.objects.count() == 1


def test_a_conflict_that_persists_is_409_after_bounded_retries(customer, settings):
    settings.DB_CONFLICT_RETRIES = 3
    product = ProductFactory()
    funded_wallet(customer, 10_000)

    with mock.patch("orders.api.order_place", side_effect=_database_error("40P01")) as place:
        response = _checkout(client_for(customer), product)
        retried = _checkout(client_for(customer), product)

    assert response.status_code == 409
    assert response.json()["code"] == "concurrency_conflict"
    assert place.call_count == 8  # 4 tries for each request; the key was freed
    assert retried.status_code == 409
    assert not Order.objects.exists()


@override_settings(CACHES=DEAD_REDIS, DJANGO_REDIS_IGNORE_EXCEPTIONS=True)
def test_with_redis_down_catalog_login_and_checkout_still_work(api_client):
    buyer = UserFactory(email="buyer@example.com")
    funded_wallet(buyer, 10_000)
    product = ProductFactory()

    catalog = api_client.get("/api/v1/products")
    logins = [
        api_client.post("/api/v1/auth/login", {"email": "buyer@example.com", "password": PASSWORD})
        for _ in range(12)
    ]
    checkout = _checkout(client_for(buyer), product)

    assert catalog.status_code == 200
    assert {r.status_code for r in logins} == {200}  # throttling fails open
    assert checkout.status_code == 201


def test_a_gateway_slower_than_its_timeout_is_a_transient_error(settings):
    """Stripe's client times out; the payment task treats that as retryable."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from payments import gateways
    from payments.models import Payment

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):
            time.sleep(1.5)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_port}"
    settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS = 0.3
    gateways._build.cache_clear()
    payment = Payment(id=uuid.uuid4(), amount=100, currency="USD", card_token="tok_visa")
    try:
        started = time.monotonic()
        with pytest.raises(TransientGatewayError):
            get_gateway().charge(payment=payment, attempt=1)
        assert time.monotonic() - started < 1.4
    finally:
        gateways._build.cache_clear()
        server.shutdown()
        server.server_close()


def test_a_really_unreachable_postgresql_gives_503_not_500():
    """A whole Kassa process whose DATABASE_URL points at a port nobody listens on."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import json, django; django.setup();"
        "from django.test import Client;"
        "from rest_framework_simplejwt.tokens import AccessToken;"
        "from accounts.models import User;"
        "token = AccessToken.for_user(User(pk='00000000-0000-0000-0000-000000000001'));"
        "c = Client(raise_request_exception=False, HTTP_HOST='localhost');"
        "r1 = c.post('/api/v1/orders', {'items': [], 'payment_method': 'WALLET'},"
        " content_type='application/json', HTTP_AUTHORIZATION=f'Bearer {token}',"
        " HTTP_IDEMPOTENCY_KEY='k');"
        "r2 = c.get('/readyz');"
        "print(json.dumps([r1.status_code, r1.json(), r2.status_code, r2.json()]))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:9/kassa",  # discard port: refused
    }
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    checkout_status, checkout_body, ready_status, ready_body = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    assert checkout_status == 503, result.stderr[-2000:]
    assert checkout_body["code"] == "service_unavailable"
    assert ready_status == 503
    assert ready_body["checks"]["database"] == "error"
