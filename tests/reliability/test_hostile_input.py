"""Hostile input gets a 4xx with the error shape, and changes nothing."""

import json
import uuid

import pytest

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Order
from wallets.models import LedgerEntry, Transfer
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db

# Raw JSON texts, so that NaN, Infinity and 1e309 reach the parser as sent.
HOSTILE_AMOUNTS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    '"10.001"',
    "[10]",
    "true",
    str(2**63),
    "10.5",
    "null",
    '"1000"',
    "{}",
]


def _post_raw(client, path, raw_body, **headers):
    return client.post(path, data=raw_body, content_type="application/json", **headers)


def _key():
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


def _assert_error_shape(response, status_range=(400, 499)):
    assert status_range[0] <= response.status_code <= status_range[1], response.content
    body = response.json()
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["detail"], str)


@pytest.mark.parametrize("amount", HOSTILE_AMOUNTS)
@pytest.mark.parametrize(
    "path", ["/api/v1/wallet/deposit", "/api/v1/wallet/withdraw", "/api/v1/checkouts"]
)
def test_hostile_amounts_are_refused_and_move_nothing(path, amount):
    user = UserFactory(role="MERCHANT")
    funded_wallet(user, 10_000)
    entries = LedgerEntry.objects.count()
    raw = f'{{"amount": {amount}, "currency": "USD", "card_token": "tok_visa"}}'

    response = _post_raw(client_for(user), path, raw, **_key())

    _assert_error_shape(response)
    assert LedgerEntry.objects.count() == entries


@pytest.mark.parametrize("quantity", [str(2**63), "NaN", "1e309", "[1]", "true", '"1"'])
def test_hostile_quantities_are_refused(quantity):
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory()
    raw = f'{{"items": [{{"product_id": "{product.pk}", "quantity": {quantity}}}], "payment_method": "WALLET"}}'

    response = _post_raw(client_for(buyer), "/api/v1/orders", raw, **_key())

    _assert_error_shape(response)
    assert not Order.objects.exists()


@pytest.mark.parametrize("name", ["gift\x00card", "x" * 10_000])
def test_nul_bytes_and_huge_names_are_refused(merchant, name):
    response = client_for(merchant).post(
        "/api/v1/products", {"name": name, "price": 100, "stock": 1}, format="json"
    )

    _assert_error_shape(response)
    assert "name" in response.json()["errors"]
    assert not Product.objects.exists()


def test_a_body_over_one_megabyte_is_413(customer):
    raw = json.dumps({"amount": 100, "card_token": "tok_visa", "description": "x" * (1024 * 1024)})

    response = _post_raw(client_for(customer), "/api/v1/wallet/deposit", raw, **_key())

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not Transfer.objects.exists()


def test_json_nested_ten_thousand_levels_is_a_400(customer):
    raw = '{"amount": ' + "[" * 10_000 + "]" * 10_000 + "}"

    response = _post_raw(client_for(customer), "/api/v1/wallet/deposit", raw, **_key())

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_non_ascii_idempotency_key_is_a_400(customer):
    response = client_for(customer).post(
        "/api/v1/wallet/deposit",
        {"amount": 100, "card_token": "tok_visa"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ключ",
    )

    _assert_error_shape(response)
    assert not Transfer.objects.exists()


def test_an_email_differing_only_in_case_is_a_duplicate(api_client):
    UserFactory(email="owner@example.com")

    response = api_client.post(
        "/api/v1/auth/register",
        {"email": "OWNER@EXAMPLE.COM", "password": "a-long-unusual-passphrase"},
        format="json",
    )

    _assert_error_shape(response)
    assert "email" in response.json()["errors"]


def test_ordering_by_a_secret_field_is_ignored(api_client):
    ProductFactory(name="Only one")

    response = api_client.get("/api/v1/products", {"ordering": "password"})

    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Only one"]


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/products", "page"),
        ("/api/v1/wallet/transactions", "before"),
        ("/api/v1/orders", "cursor"),
    ],
)
def test_a_non_numeric_page_or_a_forged_cursor_is_404(customer, path, param):
    response = client_for(customer).get(path, {param: "abc"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_form_body_too_big_for_a_form_is_413_not_500(merchant):
    """Found by the fuzzer: the codes path admits bodies over 1 MB (JSON lists of
    10,000 codes), and Django refuses a form that size only as it reads it."""
    from rest_framework.test import APIClient

    from catalog.tests.factories import code_product

    product = code_product(merchant=merchant, codes=["FORM-0001"])
    client = APIClient()
    client.force_login(merchant)
    body = "&".join(["codes=" + "x" * 100] * 11_000)  # ~1.2 MB, under the codes path's limit

    response = client.generic(
        "POST",
        f"/api/v1/products/{product.pk}/codes",
        body,
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in (400, 413)
    assert response.json()["code"] in ("request_too_large", "too_many_fields")
