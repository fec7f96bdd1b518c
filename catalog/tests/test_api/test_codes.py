"""Codes products over the API: upload, masking, voiding, and stock that only
codes can change."""

import pytest
from django.db import IntegrityError, connection
from django.db.transaction import atomic

from accounts.tests.factories import MerchantFactory
from catalog.models import ProductCode, Stock, StockMovement
from catalog.tests.factories import ProductFactory, code_product
from conftest import client_for

pytestmark = pytest.mark.django_db


def _codes_url(product):
    return f"/api/v1/products/{product.pk}/codes"


def test_a_merchant_creates_a_codes_product_and_each_code_is_one_unit(merchant_client):
    created = merchant_client.post(
        "/api/v1/products",
        {"name": "Steam card", "price": 2500, "delivery_kind": "codes"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["delivery_kind"] == "codes"
    assert created.json()["stock"] == 0
    url = f"/api/v1/products/{created.json()['id']}/codes"

    answer = merchant_client.post(
        url, {"codes": ["AAAA-1111", "BBBB-2222", "AAAA-1111", "CCCC-3333"]}, format="json"
    )

    assert answer.status_code == 201
    assert answer.json() == {"added": 3, "duplicates": ["AAAA-1111"], "stock": 3}
    again = merchant_client.post(url, {"codes": ["BBBB-2222", "DDDD-4444"]}, format="json")
    assert again.json() == {"added": 1, "duplicates": ["BBBB-2222"], "stock": 4}
    movements = StockMovement.objects.filter(product_id=created.json()["id"]).order_by("id")
    assert [(m.delta_available, m.note) for m in movements] == [
        (3, "3 codes added"),
        (1, "1 codes added"),
    ]


def test_codes_are_unique_per_product_in_the_database():
    product = code_product(codes=["SAME-CODE"])
    other = code_product(codes=["SAME-CODE"])  # another product may hold the same code

    duplicate = ProductCode(
        product=product,
        ciphertext="x",
        fingerprint=ProductCode.objects.get(product=product).fingerprint,
    )
    # PostgreSQL names the constraint; SQLite names its columns.
    unique = "catalog_code_unique_per_product|catalog_productcode.product_id, catalog_productcode.fingerprint"
    with pytest.raises(IntegrityError, match=unique), atomic():
        duplicate.save()
    assert other.codes.count() == 1


def test_blank_and_over_long_codes_are_refused_by_position(merchant_client, merchant):
    product = ProductFactory(merchant=merchant, stock=0, delivery_kind="codes")

    answer = merchant_client.post(
        _codes_url(product), {"codes": ["GOOD-1", "  ", "X" * 129, "GOOD-2"]}, format="json"
    )

    assert answer.status_code == 400
    errors = answer.json()["errors"]["codes"]
    assert set(errors) == {"1", "2"}
    assert "X" * 129 not in answer.content.decode()
    assert Stock.objects.get(pk=product.pk).available == 0


def test_at_most_ten_thousand_codes_per_request(merchant_client, merchant):
    product = ProductFactory(merchant=merchant, stock=0, delivery_kind="codes")
    codes = [f"CODE-{n:05d}" for n in range(10_001)]

    too_many = merchant_client.post(_codes_url(product), {"codes": codes}, format="json")
    assert too_many.status_code == 400
    allowed = merchant_client.post(_codes_url(product), {"codes": codes[:10_000]}, format="json")

    assert allowed.status_code == 201
    assert allowed.json()["stock"] == 10_000


def test_the_merchant_sees_codes_masked_with_their_state(merchant_client, merchant):
    product = code_product(merchant=merchant, codes=["XBOX-AB12-7QX4", "XBOX-CD34-9KLM"])

    listed = merchant_client.get(_codes_url(product)).json()["results"]

    # The last four tell the rows apart; the middle stays hidden.
    assert [(c["code"], c["state"]) for c in listed] == [
        ("XBOX-••••-7QX4", "available"),
        ("XBOX-••••-9KLM", "available"),
    ]
    assert merchant_client.get(_codes_url(product) + "?state=sold").json()["count"] == 0


def test_only_the_owner_manages_codes(customer_client):
    product = code_product(codes=["AAAA-1111"])
    stranger = client_for(MerchantFactory())

    assert customer_client.get(_codes_url(product)).status_code == 403
    assert stranger.get(_codes_url(product)).status_code == 403
    assert (
        stranger.post(_codes_url(product), {"codes": ["MINE-0001"]}, format="json").status_code
        == 403
    )


def test_voiding_an_unsold_code_lowers_the_stock_and_it_is_never_sold(merchant_client, merchant):
    product = code_product(merchant=merchant, codes=["AAAA-1111", "BBBB-2222"])
    code = product.codes.first()

    voided = merchant_client.delete(f"{_codes_url(product)}/{code.pk}")

    assert voided.status_code == 204
    code.refresh_from_db()
    assert code.state == "voided"
    assert Stock.objects.get(pk=product.pk).available == 1
    # A voided code stays known: uploading it again is a duplicate, not a new unit.
    again = merchant_client.post(_codes_url(product), {"codes": ["AAAA-1111"]}, format="json")
    assert again.json()["duplicates"] == ["AAAA-1111"]
    assert merchant_client.delete(f"{_codes_url(product)}/{code.pk}").json()["code"] == (
        "code_not_voidable"
    )
    assert merchant_client.delete(f"{_codes_url(product)}/999999").status_code == 404


def test_the_stock_of_a_codes_product_changes_only_through_its_codes(merchant_client, merchant):
    product = code_product(merchant=merchant, codes=["AAAA-1111"])

    adjusted = merchant_client.patch(
        f"/api/v1/inventory/{product.pk}", {"adjust": 5}, format="json"
    )
    opened = merchant_client.post(
        "/api/v1/products",
        {"name": "Keys", "price": 500, "delivery_kind": "codes", "stock": 5},
        format="json",
    )

    assert adjusted.status_code == 409
    assert adjusted.json()["code"] == "stock_managed_by_codes"
    assert opened.status_code == 400
    assert opened.json()["code"] == "stock_managed_by_codes"
    assert Stock.objects.get(pk=product.pk).available == 1


def test_codes_of_a_manual_product_are_refused(merchant_client, merchant):
    product = ProductFactory(merchant=merchant)

    answer = merchant_client.post(_codes_url(product), {"codes": ["AAAA"]}, format="json")

    assert answer.status_code == 409
    assert answer.json()["code"] == "wrong_delivery_kind"


def test_codes_are_encrypted_at_rest():
    code_product(codes=["SECRET-GIFT-CODE-42"])

    with connection.cursor() as cursor:
        cursor.execute("SELECT ciphertext, fingerprint FROM catalog_productcode")
        rows = cursor.fetchall()

    assert len(rows) == 1
    assert all("SECRET-GIFT-CODE" not in column for column in rows[0])
