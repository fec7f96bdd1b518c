import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey
from accounts.services import api_key_create
from accounts.tests.factories import MerchantFactory
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Discount
from orders.tests.factories import make_discount

pytestmark = pytest.mark.django_db


def _key_client(merchant, scopes) -> APIClient:
    _, raw = api_key_create(
        merchant=merchant, name="server", scopes=scopes, two_factor_verified=False
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _order(client, product, key, **extra):
    return client.post(
        "/api/v1/orders",
        {"items": [{"product_id": str(product.pk), "quantity": 2}], "payment_method": "WALLET"}
        | extra,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_merchant_creates_a_percent_code_for_chosen_products(merchant_client, merchant):
    product = ProductFactory(merchant=merchant)

    response = merchant_client.post(
        "/api/v1/discounts",
        {
            "code": "Spring-25",
            "percent_off": 25,
            "product_ids": [str(product.pk)],
            "max_redemptions": 10,
            "once_per_customer": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["code"], body["percent_off"], body["amount_off"]) == ("Spring-25", 25, None)
    assert (body["applies_to_all"], body["product_ids"]) == (False, [str(product.pk)])
    assert (body["redeemed"], body["redemptions_left"]) == (0, 10)


def test_an_amount_code_takes_the_default_currency(merchant_client):
    response = merchant_client.post(
        "/api/v1/discounts", {"code": "FIVEOFF", "amount_off": 500}, format="json"
    )

    assert response.status_code == 201
    assert (response.json()["amount_off"], response.json()["currency"]) == (500, "USD")


@pytest.mark.parametrize(
    "body",
    [
        {"code": "BOTH", "percent_off": 10, "amount_off": 100},
        {"code": "NONE"},
        {"code": "BIG", "percent_off": 101},
        {"code": "x", "percent_off": 10},
        {
            "code": "LATE",
            "percent_off": 10,
            "starts_at": "2030-01-02T00:00Z",
            "ends_at": "2030-01-01T00:00Z",
        },
    ],
)
def test_an_invalid_code_is_refused(merchant_client, body):
    assert merchant_client.post("/api/v1/discounts", body, format="json").status_code == 400
    assert not Discount.objects.exists()


def test_a_code_taken_in_another_case_is_refused(merchant_client):
    make_discount(MerchantFactory(), code="TAKEN")

    response = merchant_client.post(
        "/api/v1/discounts", {"code": "taken", "percent_off": 5}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "discount_invalid")


def test_another_merchants_product_is_refused(merchant_client):
    response = merchant_client.post(
        "/api/v1/discounts",
        {"code": "THEIRS", "percent_off": 5, "product_ids": [str(ProductFactory().pk)]},
        format="json",
    )

    assert response.status_code == 400


def test_customers_cannot_create_codes(customer_client):
    response = customer_client.post(
        "/api/v1/discounts", {"code": "MINE", "percent_off": 5}, format="json"
    )
    assert response.status_code == 403


def test_api_key_lists_with_read_and_creates_only_with_write(merchant):
    make_discount(merchant)
    reader = _key_client(merchant, [ApiKey.Scope.READ])
    writer = _key_client(merchant, [ApiKey.Scope.READ, ApiKey.Scope.WRITE])
    new = {"code": "KEYED", "percent_off": 5}

    assert [d["code"] for d in reader.get("/api/v1/discounts").json()["results"]] == ["SAVE10"]
    assert reader.post("/api/v1/discounts", new, format="json").status_code == 403
    assert writer.post("/api/v1/discounts", new, format="json").status_code == 201


def test_merchant_lists_only_their_codes_and_deactivates_one(merchant_client, merchant):
    mine = make_discount(merchant)
    theirs = make_discount(MerchantFactory(), code="THEIRS")

    listed = merchant_client.get("/api/v1/discounts").json()["results"]
    deactivated = merchant_client.post(f"/api/v1/discounts/{mine.pk}/deactivate")
    foreign = merchant_client.post(f"/api/v1/discounts/{theirs.pk}/deactivate")

    assert [d["code"] for d in listed] == ["SAVE10"]
    assert (deactivated.status_code, deactivated.json()["is_active"]) == (200, False)
    assert foreign.status_code == 404


def test_order_with_a_code_shows_the_discount_per_line_and_the_new_total(buyer):
    product = ProductFactory(price=1250)
    make_discount(product.merchant, percent_off=10)

    response = _order(client_for(buyer), product, "with-code", discount_code="save10")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["total"], body["discount"], body["discount_code"]) == (2250, 250, "SAVE10")
    assert [(i["discount"], i["subtotal"]) for i in body["items"]] == [(250, 2250)]
    detail = client_for(buyer).get(body["url"]).json()
    assert detail["items"][0]["discount"] == 250


def test_order_with_an_unknown_code_is_400_and_an_exhausted_one_409(buyer):
    product = ProductFactory()
    make_discount(product.merchant, max_redemptions=1)
    client = client_for(buyer)

    unknown = _order(client, product, "unknown", discount_code="NOPE")
    first = _order(client, product, "first", discount_code="SAVE10")
    second = _order(client, product, "second", discount_code="SAVE10")

    assert (unknown.status_code, unknown.json()["code"]) == (400, "discount_invalid")
    assert first.status_code == 201
    assert (second.status_code, second.json()["code"]) == (409, "discount_exhausted")
