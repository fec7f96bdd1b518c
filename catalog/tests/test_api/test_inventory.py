import pytest

from accounts.tests.factories import MerchantFactory
from catalog.models import StockMovement
from catalog.tests.factories import ProductFactory
from conftest import client_for

pytestmark = pytest.mark.django_db


def url(product, suffix=""):
    return f"/api/v1/inventory/{product.pk}{suffix}"


def test_owner_reads_stock_levels(merchant):
    product = ProductFactory(merchant=merchant, stock=4)

    body = client_for(merchant).get(url(product)).json()

    assert body["product_id"] == str(product.pk)
    assert (body["available"], body["reserved"], body["sold"]) == (4, 0, 0)


def test_owner_adjusts_stock_and_a_movement_is_recorded(merchant):
    product = ProductFactory(merchant=merchant, stock=4)

    added = client_for(merchant).patch(url(product), {"adjust": 6, "reason": "restock"})
    removed = client_for(merchant).patch(url(product), {"adjust": -3})

    assert added.status_code == removed.status_code == 200
    assert removed.json()["available"] == 7
    movements = client_for(merchant).get(url(product, "/movements")).json()["results"]
    assert [(m["reason"], m["delta_available"], m["note"]) for m in movements] == [
        ("adjustment", -3, ""),
        ("adjustment", 6, "restock"),
        ("initial", 4, ""),
    ]
    assert sum(m["delta_available"] for m in movements) == 7


def test_adjusting_below_zero_is_409_and_changes_nothing(merchant):
    product = ProductFactory(merchant=merchant, stock=2)

    response = client_for(merchant).patch(url(product), {"adjust": -3})

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    product.stock.refresh_from_db()
    assert product.stock.available == 2
    assert StockMovement.objects.filter(product=product).count() == 1


@pytest.mark.parametrize("adjust", [0, "many", 1.5, None, 10**9])
def test_adjust_rejects_bad_values(merchant, adjust):
    product = ProductFactory(merchant=merchant)

    response = client_for(merchant).patch(url(product), {"adjust": adjust})

    assert response.status_code == 400
    assert "adjust" in response.json()["errors"]


def test_admin_reads_and_adjusts_any_stock(admin_client_api):
    product = ProductFactory(stock=1)

    assert admin_client_api.get(url(product)).status_code == 200
    assert admin_client_api.patch(url(product), {"adjust": 1}).json()["available"] == 2
    assert admin_client_api.get(url(product, "/movements")).status_code == 200


@pytest.mark.parametrize("suffix", ["", "/movements"])
def test_other_merchant_and_customer_get_403(customer, suffix):
    product = ProductFactory()

    for user in (MerchantFactory(), customer):
        assert client_for(user).get(url(product, suffix)).status_code == 403
        assert client_for(user).patch(url(product), {"adjust": 5}).status_code == 403


def test_anonymous_gets_401(api_client):
    product = ProductFactory()

    assert api_client.get(url(product)).status_code == 401
    assert api_client.patch(url(product), {"adjust": 1}).status_code == 401
    assert api_client.get("/api/v1/inventory").status_code == 401


def test_unknown_product_is_404(merchant_client):
    response = merchant_client.get("/api/v1/inventory/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404


def test_inventory_list_is_for_admins(admin_client_api, merchant_client, customer_client):
    ProductFactory(stock=3)
    ProductFactory(stock=8)

    body = admin_client_api.get("/api/v1/inventory").json()

    assert sorted(row["available"] for row in body["results"]) == [3, 8]
    assert merchant_client.get("/api/v1/inventory").status_code == 403
    assert customer_client.get("/api/v1/inventory").status_code == 403
