"""POST /orders/{id}/fulfill with a `note`: the buyer reads it on GET /orders/{id}."""

import pytest

from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.limits import MAX_FULFILMENT_NOTE
from orders.tests.factories import place_order

pytestmark = pytest.mark.django_db
URL = "/api/v1/orders"


@pytest.fixture
def product():
    return ProductFactory(price=1500)


def test_the_buyer_reads_the_note_the_order_was_fulfilled_with(buyer, product):
    order = place_order(buyer, [(product, 1)])

    fulfilled = client_for(product.merchant).post(
        f"{URL}/{order.pk}/fulfill", {"note": "GIFT-7Q4K-93XZ"}, format="json"
    )

    assert fulfilled.status_code == 200
    assert fulfilled.json()["status"] == "FULFILLED"
    assert "GIFT-7Q4K-93XZ" not in str(fulfilled.json())  # only the detail shows it
    detail = client_for(buyer).get(f"{URL}/{order.pk}").json()
    assert detail["fulfilment_note"] == "GIFT-7Q4K-93XZ"
    merchant_view = client_for(product.merchant).get(f"{URL}/{order.pk}").json()
    assert merchant_view["fulfilment_note"] == "GIFT-••••-93XZ"


def test_the_note_is_optional(buyer, product):
    order = place_order(buyer, [(product, 1)])

    assert client_for(product.merchant).post(f"{URL}/{order.pk}/fulfill").status_code == 200
    assert client_for(buyer).get(f"{URL}/{order.pk}").json()["fulfilment_note"] == ""


def test_an_over_long_note_is_refused_and_the_order_stays_paid(buyer, product):
    order = place_order(buyer, [(product, 1)])

    answer = client_for(product.merchant).post(
        f"{URL}/{order.pk}/fulfill", {"note": "x" * (MAX_FULFILMENT_NOTE + 1)}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert client_for(buyer).get(f"{URL}/{order.pk}").json()["status"] == "PAID"
