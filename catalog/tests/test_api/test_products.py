import pytest

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.models import Product, StockMovement
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products"


def detail(product):
    return f"{LIST}/{product.pk}"


def _create_payload(**overrides):
    return {
        "name": "Steam card",
        "description": "20 dollars",
        "price": 2000,
        "currency": "USD",
        "stock": 5,
        **overrides,
    }


# --- public reads -------------------------------------------------------------


def test_public_list_shows_the_documented_fields(api_client):
    product = ProductFactory(price=1999, stock=7)

    response = api_client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == str(product.pk)
    assert item["price"] == 1999
    assert item["currency"] == "USD"
    assert item["stock"] == 7
    assert item["merchant"] == {"id": str(product.merchant.pk), "name": product.merchant.full_name}
    assert {"name", "slug", "description", "created_at", "updated_at"} <= set(item)


def test_public_list_hides_inactive_and_deleted_products(api_client):
    visible = ProductFactory()
    ProductFactory(is_active=False)
    deleted = ProductFactory()
    client_for(deleted.merchant).delete(detail(deleted))

    ids = [item["id"] for item in api_client.get(LIST).json()["results"]]

    assert ids == [str(visible.pk)]


def test_public_list_filters_by_text_merchant_and_price(api_client):
    cheap = ProductFactory(name="Cheap Steam card", price=500)
    dear = ProductFactory(name="Dear licence", description="steam powered", price=5000)
    other = ProductFactory(name="Other", price=3000)

    def ids(**params):
        return {item["id"] for item in api_client.get(LIST, params).json()["results"]}

    assert ids(q="steam") == {str(cheap.pk), str(dear.pk)}
    assert ids(merchant=str(dear.merchant.pk)) == {str(dear.pk)}
    assert ids(min_price=1000, max_price=4000) == {str(other.pk)}


def test_public_list_orders_by_the_whitelisted_fields(api_client):
    ProductFactory(name="B", price=300)
    ProductFactory(name="A", price=100)
    ProductFactory(name="C", price=200)

    def names(ordering):
        results = api_client.get(LIST, {"ordering": ordering}).json()["results"]
        return [item["name"] for item in results]

    assert names("price") == ["A", "C", "B"]
    assert names("-price") == ["B", "C", "A"]
    assert names("name") == ["A", "B", "C"]
    assert names("created_at") == ["B", "A", "C"]
    assert names("-created_at") == ["C", "A", "B"]


def test_unknown_ordering_is_ignored(api_client):
    ProductFactory(name="Old")
    ProductFactory(name="New")

    response = api_client.get(LIST, {"ordering": "merchant__password"})

    assert response.status_code == 200
    assert [i["name"] for i in response.json()["results"]] == ["New", "Old"]


def test_public_list_rejects_malformed_filters(api_client):
    response = api_client.get(LIST, {"min_price": "cheap", "merchant": "nope"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"min_price", "merchant"}


def test_public_list_paginates(api_client):
    for _ in range(3):
        ProductFactory()

    body = api_client.get(LIST, {"page_size": 2, "page": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 1
    assert api_client.get(LIST, {"page": 9}).status_code == 404


def test_detail_is_public(api_client):
    product = ProductFactory()

    assert api_client.get(detail(product)).json()["id"] == str(product.pk)


@pytest.mark.parametrize("path", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_detail_of_malformed_or_unknown_id_is_404(api_client, path):
    response = api_client.get(f"{LIST}/{path}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_detail_of_deleted_or_inactive_product_is_404(api_client):
    deleted = ProductFactory()
    client_for(deleted.merchant).delete(detail(deleted))
    inactive = ProductFactory(is_active=False)

    assert api_client.get(detail(deleted)).status_code == 404
    assert api_client.get(detail(inactive)).status_code == 404


# --- create -----------------------------------------------------------------------


def test_merchant_creates_a_product_with_initial_stock(merchant_client, merchant):
    response = merchant_client.post(LIST, _create_payload())

    assert response.status_code == 201
    product = Product.objects.get(pk=response.json()["id"])
    assert product.merchant == merchant
    assert product.stock.available == 5
    movement = product.movements.get()
    assert (movement.reason, movement.delta_available) == (StockMovement.Reason.INITIAL, 5)


def test_create_defaults_the_currency(merchant_client):
    payload = _create_payload()
    del payload["currency"]

    assert merchant_client.post(LIST, payload).json()["currency"] == "USD"


def test_create_ignores_a_client_sent_merchant(merchant_client, merchant):
    other = MerchantFactory()

    response = merchant_client.post(LIST, _create_payload(merchant=str(other.pk)))

    assert response.json()["merchant"]["id"] == str(merchant.pk)


def test_customer_cannot_create_products(customer_client):
    response = customer_client.post(LIST, _create_payload())

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_cannot_create_products(api_client):
    assert api_client.post(LIST, _create_payload()).status_code == 401


def test_admin_cannot_create_products(admin_client_api):
    assert admin_client_api.post(LIST, _create_payload()).status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", 0),
        ("price", -5),
        ("price", 10.5),
        ("price", "1000"),
        ("price", True),
        ("price", 2**63),
        ("currency", "XXX"),
        ("currency", "usdollar"),
        ("stock", -1),
        ("stock", 10**9),
        ("name", ""),
        ("name", "x" * 201),
    ],
)
def test_create_rejects_bad_values_with_field_errors(merchant_client, field, value):
    response = merchant_client.post(LIST, _create_payload(**{field: value}))

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Product.objects.exists()


def test_create_accepts_a_lower_case_known_currency(merchant_client):
    assert merchant_client.post(LIST, _create_payload(currency="usd")).json()["currency"] == "USD"


# --- update / delete ------------------------------------------------------------


def test_owner_updates_a_product(merchant):
    product = ProductFactory(merchant=merchant)

    response = client_for(merchant).patch(detail(product), {"price": 1234, "name": "Renamed"})

    assert response.status_code == 200
    assert response.json()["price"] == 1234
    product.refresh_from_db()
    assert (product.name, product.price) == ("Renamed", 1234)


def test_update_cannot_change_stock_or_merchant(merchant):
    product = ProductFactory(merchant=merchant, stock=3)

    client_for(merchant).patch(
        detail(product), {"stock": 999, "merchant": str(MerchantFactory().pk)}
    )

    product.refresh_from_db()
    assert product.stock.available == 3
    assert product.merchant == merchant


def test_update_rejects_bad_values(merchant):
    product = ProductFactory(merchant=merchant)

    response = client_for(merchant).patch(detail(product), {"price": 0})

    assert response.status_code == 400
    assert "price" in response.json()["errors"]


def test_owner_soft_deletes_a_product(merchant):
    product = ProductFactory(merchant=merchant)

    response = client_for(merchant).delete(detail(product))

    assert response.status_code == 204
    product.refresh_from_db()
    assert product.deleted_at is not None
    assert client_for(merchant).patch(detail(product), {"price": 5}).status_code == 404


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_other_merchant_and_customer_cannot_change_a_product(method, customer):
    product = ProductFactory()

    for user in (MerchantFactory(), customer):
        response = getattr(client_for(user), method)(detail(product), {"price": 5})
        assert response.status_code == 403

    product.refresh_from_db()
    assert product.price == 1000
    assert product.deleted_at is None


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_anonymous_cannot_change_a_product(api_client, method):
    product = ProductFactory()

    assert getattr(api_client, method)(detail(product), {"price": 5}).status_code == 401


def test_admin_can_moderate_any_product(admin_client_api):
    product = ProductFactory()

    assert admin_client_api.patch(detail(product), {"is_active": False}).status_code == 200
    assert admin_client_api.delete(detail(product)).status_code == 204


# --- mine ----------------------------------------------------------------------------


def test_mine_lists_own_products_including_inactive_but_not_deleted(merchant):
    active = ProductFactory(merchant=merchant)
    inactive = ProductFactory(merchant=merchant, is_active=False)
    deleted = ProductFactory(merchant=merchant)
    client_for(merchant).delete(detail(deleted))
    ProductFactory()

    results = client_for(merchant).get(f"{LIST}/mine").json()["results"]

    assert {item["id"] for item in results} == {str(active.pk), str(inactive.pk)}


def test_mine_is_for_merchants_only(customer_client, api_client):
    assert customer_client.get(f"{LIST}/mine").status_code == 403
    assert api_client.get(f"{LIST}/mine").status_code == 401


# --- a flash sale's stock buckets ---------------------------------------------------------


def test_a_merchant_spreads_a_flash_sale_over_buckets_and_its_stock_still_reads_whole(
    merchant_client, merchant
):
    response = merchant_client.post(LIST, _create_payload(stock=40, stock_buckets=8))
    product = Product.objects.get(pk=response.json()["id"])
    buyer = UserFactory()
    funded_wallet(buyer, 100_000)
    place_order(buyer, [(product, 3)])

    shown = client_for(merchant).get(detail(product)).json()

    assert response.status_code == 201
    assert (shown["stock_buckets"], shown["stock"]) == (8, 37)
    assert product.buckets.count() == 8


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"stock_buckets": 65}, "invalid"),
        ({"stock_buckets": 0}, "invalid"),
        (
            {"stock_buckets": 4, "stock": 0, "delivery_kind": "download", "unlimited_stock": True},
            "stock_unlimited",
        ),
    ],
)
def test_buckets_out_of_range_or_without_a_count_are_refused(merchant_client, payload, code):
    response = merchant_client.post(LIST, _create_payload(**payload))

    assert response.status_code == 400
    assert response.json()["code"] == code


def test_changing_the_bucket_count_answers_the_whole_stock(merchant):
    product = ProductFactory(merchant=merchant, stock=40, stock_buckets=8)
    buyer = UserFactory()
    funded_wallet(buyer, 100_000)
    place_order(buyer, [(product, 1)])  # the units now sit in the buckets

    answer = client_for(merchant).patch(detail(product), {"stock_buckets": 1}, format="json")

    assert (answer.json()["stock_buckets"], answer.json()["stock"]) == (1, 39)
