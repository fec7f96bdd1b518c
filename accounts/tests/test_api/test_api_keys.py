"""Merchant API keys: made once, stored as a hash, scoped, revocable, throttled."""

import logging

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from accounts.models import ApiKey
from accounts.tests.factories import MerchantFactory, UserFactory
from accounts.throttles import ApiKeyRateThrottle
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _create_key(merchant, scopes=("read", "write"), name="shop server") -> str:
    answer = client_for(merchant).post(
        "/api/v1/api-keys", {"name": name, "scopes": list(scopes)}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    assert answer["Cache-Control"] == "no-store"
    return answer.json()["key"]


def _with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def _everything_stored() -> str:
    """Every row of every table, as text."""
    return "".join(str(list(model._default_manager.values())) for model in apps.get_models())


def test_a_key_is_shown_once_and_never_stored_or_logged(caplog):
    caplog.set_level(logging.DEBUG)
    merchant = MerchantFactory()

    key = _create_key(merchant)
    listed = client_for(merchant).get("/api/v1/api-keys").json()["results"]
    seller = _with_key(key)
    seller.get("/api/v1/products/mine")
    seller.post("/api/v1/products", {"name": "Voucher", "price": 500, "stock": 1}, format="json")
    seller.post("/api/v1/auth/password", {"old_password": "x", "new_password": "y"}, format="json")
    client_for(merchant).delete(f"/api/v1/api-keys/{listed[0]['id']}")
    seller.get("/api/v1/products/mine")

    assert key.startswith("kassa_sk_") and len(key) > 40
    assert listed[0]["shown"] == f"kassa_sk_…{key[-4:]}"
    assert key not in str(listed)
    assert key not in _everything_stored()
    assert key[9:] not in _everything_stored()
    logged = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    assert "Forbidden" in logged  # the logs were captured at all
    assert key[9:20] not in logged
    assert f"api_key_id={listed[0]['id']}" in logged


def test_a_write_key_creates_a_product_and_a_payment_link_for_its_merchant():
    merchant = MerchantFactory()
    seller = _with_key(_create_key(merchant))

    product = seller.post(
        "/api/v1/products", {"name": "Voucher", "price": 500, "stock": 3}, format="json"
    )
    link = seller.post(
        "/api/v1/checkouts",
        {"amount": 1500, "description": "Invoice 9"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="invoice-9",
    )

    assert product.status_code == 201, product.json()
    assert product.json()["merchant"]["id"] == str(merchant.pk)
    assert link.status_code == 201, link.json()
    shown = seller.get(f"/api/v1/checkouts/{link.json()['id']}").json()
    assert shown["merchant"]["id"] == str(merchant.pk)


def test_a_write_key_fulfils_and_refunds_its_merchants_orders():
    merchant = MerchantFactory()
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    order = place_order(buyer, [(ProductFactory(merchant=merchant, price=800), 1)])
    seller = _with_key(_create_key(merchant))

    fulfilled = seller.post(f"/api/v1/orders/{order.pk}/fulfill")
    refunded = seller.post(
        f"/api/v1/orders/{order.pk}/refund", {}, format="json", HTTP_IDEMPOTENCY_KEY="refund-1"
    )

    assert fulfilled.json()["status"] == "FULFILLED"
    assert refunded.json()["status"] == "REFUNDED"


def test_a_read_key_reads_but_cannot_post():
    merchant = MerchantFactory()
    ProductFactory(merchant=merchant)
    reader = _with_key(_create_key(merchant, scopes=["read"]))

    mine = reader.get("/api/v1/products/mine")
    refused = reader.post("/api/v1/products", {"name": "X", "price": 500}, format="json")

    assert mine.status_code == 200 and mine.json()["count"] == 1
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/auth/password", {"old_password": "a", "new_password": "b-long-one"}),
        ("post", "/api/v1/wallet/withdraw", {"amount": 500}),
        ("get", "/api/v1/api-keys", None),
        ("post", "/api/v1/api-keys", {"name": "another", "scopes": ["read", "write"]}),
        ("post", "/api/v1/wallet/deposit", {"amount": 500, "card_token": "tok_visa"}),
    ],
)
def test_a_key_can_never_make_keys_change_the_password_or_move_money_out(method, path, body):
    merchant = MerchantFactory()
    funded_wallet(merchant, 10_000)
    key = _with_key(_create_key(merchant))

    answer = getattr(key, method)(path, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert answer.status_code == 403, answer.json()
    assert answer.json()["code"] == "api_key_not_allowed"
    assert ApiKey.objects.count() == 1
    merchant.refresh_from_db()
    assert merchant.check_password("correct-horse-battery")


def test_a_key_cannot_revoke_keys_either():
    merchant = MerchantFactory()
    key = _create_key(merchant)
    other = ApiKey.objects.get()

    answer = _with_key(key).delete(f"/api/v1/api-keys/{other.pk}")

    assert (answer.status_code, answer.json()["code"]) == (403, "api_key_not_allowed")


def test_a_revoked_key_answers_401_from_then_on():
    merchant = MerchantFactory()
    key = _create_key(merchant)
    seller = _with_key(key)
    assert seller.get("/api/v1/products/mine").status_code == 200
    key_id = ApiKey.objects.get().pk

    revoked = client_for(merchant).delete(f"/api/v1/api-keys/{key_id}")
    again = client_for(merchant).delete(f"/api/v1/api-keys/{key_id}")
    answer = seller.get("/api/v1/products/mine")

    assert revoked.status_code == again.status_code == 204
    assert answer.status_code == 401
    assert answer.json()["code"] == "api_key_invalid"
    assert answer["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_unknown_key_or_a_deactivated_merchants_key_is_401():
    merchant = MerchantFactory()
    key = _create_key(merchant)
    merchant.is_active = False
    merchant.save()

    assert _with_key(key).get("/api/v1/auth/me").status_code == 401
    assert _with_key("kassa_sk_" + "x" * 43).get("/api/v1/auth/me").status_code == 401


def test_only_merchants_make_keys_and_only_their_own_are_listed_or_revoked():
    ada, bo = MerchantFactory(), MerchantFactory()
    _create_key(ada)
    customer = client_for(UserFactory())

    refused = customer.post("/api/v1/api-keys", {"name": "x", "scopes": ["read"]}, format="json")
    bo_list = client_for(bo).get("/api/v1/api-keys").json()
    bo_revoke = client_for(bo).delete(f"/api/v1/api-keys/{ApiKey.objects.get().pk}")

    assert refused.status_code == 403
    assert bo_list["count"] == 0
    assert bo_revoke.status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_a_key_remembers_when_it_was_last_used():
    merchant = MerchantFactory()
    key = _create_key(merchant)
    assert ApiKey.objects.get().last_used_at is None

    _with_key(key).get("/api/v1/auth/me")

    listed = client_for(merchant).get("/api/v1/api-keys").json()["results"][0]
    assert listed["last_used_at"] is not None


def test_each_key_is_throttled_on_its_own(monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    merchant = MerchantFactory()
    busy, calm = _with_key(_create_key(merchant)), _with_key(_create_key(merchant))

    answers = [busy.get("/api/v1/auth/me").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert calm.get("/api/v1/auth/me").status_code == 200
    assert all(client_for(merchant).get("/api/v1/auth/me").status_code == 200 for _ in range(5))
