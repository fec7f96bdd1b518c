"""Abuse limits and the production configuration."""

import uuid

import pytest
from django.test import Client

from accounts.tests.factories import AdminFactory, UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from conftest import client_for

pytestmark = pytest.mark.django_db


def _card_checkout(client, product):
    return client.post(
        "/api/v1/orders",
        {"items": [{"product_id": str(product.pk), "quantity": 1}], "payment_method": "CARD"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def test_one_account_cannot_hoard_stock_with_unpaid_card_orders(settings):
    settings.MAX_OPEN_RESERVATIONS = 3
    product = ProductFactory(stock=100)
    hoarder = client_for(UserFactory())

    statuses = [_card_checkout(hoarder, product).status_code for _ in range(4)]
    refused = _card_checkout(hoarder, product)
    someone_else = _card_checkout(client_for(UserFactory()), product)

    assert statuses == [201, 201, 201, 429]
    assert refused.json()["code"] == "too_many_reservations"
    assert someone_else.status_code == 201
    assert Stock.objects.get(pk=product.pk).reserved == 4


def test_admin_login_is_protected_against_brute_force(settings):
    settings.ADMIN_LOGIN_RATE = "3/min"
    admin = AdminFactory(email="root@example.com")
    client = Client()

    def attempt(password):
        return client.post("/admin/login/", {"username": "root@example.com", "password": password})

    failures = [attempt(f"guess-{i}").status_code for i in range(3)]
    blocked = attempt("correct-horse-battery")

    assert failures == [200, 200, 200]  # the form again, with an error
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert admin.is_staff


def test_admin_login_still_works_below_the_limit(settings):
    settings.ADMIN_LOGIN_RATE = "3/min"
    AdminFactory(email="root@example.com")
    client = Client()
    client.post("/admin/login/", {"username": "root@example.com", "password": "wrong"})

    response = client.post(
        "/admin/login/", {"username": "root@example.com", "password": "correct-horse-battery"}
    )

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("path", "default_src"),
    [
        ("/api/v1/products", "default-src 'none'"),  # JSON: may load nothing at all
        ("/healthz", "default-src 'none'"),
        ("/admin/login/", "default-src 'self'"),
        ("/", "default-src 'self'"),
        ("/api/v1/products?format=api", "default-src 'self'"),  # the browsable API's page
    ],
)
def test_security_headers_are_present(path, default_src, settings):
    settings.SECURE_HSTS_SECONDS = 31536000  # production's value

    response = Client().get(path, secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert default_src in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_production_settings_turn_on_hsts_and_https():
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-for-this-test-only-123456",
        "KASSA_ENCRYPTION_KEY": "pWPJ8ff4-9e-dsLMLDZkjwHf2FVtLZnxYk8hX8pvz4E=",
        "SITE_URL": "https://kassa.example.com",
        "DEFAULT_FROM_EMAIL": "orders@kassa.example.com",
    }
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.stdout.split() == ["31536000", "True", "True", "True", "False"], result.stderr


def test_no_stack_trace_reaches_a_client_even_with_debug_on(settings, customer):
    from unittest import mock

    settings.DEBUG = True
    with mock.patch("accounts.api.auth.UserOutputSerializer", side_effect=RuntimeError("secret")):
        response = client_for(customer).get("/api/v1/auth/me")

    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "detail": "Internal server error."}
    assert b"Traceback" not in response.content
