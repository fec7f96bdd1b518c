import uuid

import pytest

from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Order
from orders.tests.factories import place_order
from wallets.models import Wallet
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db
URL = "/api/v1/orders"


def key():
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


@pytest.fixture
def product():
    return ProductFactory(price=1250, stock=10)


def checkout(client, items, method="WALLET", **headers):
    return client.post(
        URL, {"items": items, "payment_method": method}, format="json", **(headers or key())
    )


def line(product, quantity=1):
    return {"product_id": str(product.pk), "quantity": quantity}


# --- checkout -------------------------------------------------------------------------------


def test_wallet_checkout_returns_the_paid_order(buyer, product):
    response = checkout(client_for(buyer), [line(product, 2)])

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "PAID"
    assert (body["total"], body["currency"], body["payment_method"]) == (2500, "USD", "WALLET")
    assert body["items"] == [
        {
            "product_id": str(product.pk),
            "name": product.name,
            "unit_price": 1250,
            "quantity": 2,
            "discount": 0,
            "subtotal": 2500,
        }
    ]


def test_card_checkout_returns_a_pending_order_with_a_reservation(buyer, product):
    body = checkout(client_for(buyer), [line(product)], method="CARD").json()

    assert body["status"] == "PAYMENT_PENDING"
    assert body["reserved_until"] is not None


def test_client_sent_prices_and_totals_are_ignored(buyer, product):
    response = client_for(buyer).post(
        URL,
        {
            "items": [{**line(product), "unit_price": 1, "price": 1}],
            "payment_method": "WALLET",
            "total": 1,
        },
        format="json",
        **key(),
    )

    assert response.json()["total"] == 1250


def test_checkout_requires_an_idempotency_key(buyer, product):
    response = client_for(buyer).post(
        URL, {"items": [line(product)], "payment_method": "WALLET"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"


def test_replayed_checkout_creates_one_order(buyer, product):
    client = client_for(buyer)
    headers = key()

    first = checkout(client, [line(product)], **headers)
    second = checkout(client, [line(product)], **headers)

    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1
    assert Stock.objects.get(pk=product.pk).available == 9


def test_a_retry_that_would_now_be_refused_replays_the_order_it_placed(buyer):
    last_unit = ProductFactory(price=1250, stock=1)
    client = client_for(buyer)
    headers = key()

    first = checkout(client, [line(last_unit)], **headers)
    # The retry runs before it meets its key, and is short of stock: the key's
    # first answer is still what it gets.
    retry = checkout(client, [line(last_unit)], **headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1
    assert Stock.objects.get(pk=last_unit.pk).sold == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"items": [], "payment_method": "WALLET"},
        {"items": "everything", "payment_method": "WALLET"},
        {"items": {"product_id": "x"}, "payment_method": "WALLET"},
        {"payment_method": "WALLET"},
        {"items": [{"product_id": "not-a-uuid", "quantity": 1}], "payment_method": "WALLET"},
        {"items": [{"product_id": "PRODUCT", "quantity": 0}], "payment_method": "WALLET"},
        {"items": [{"product_id": "PRODUCT", "quantity": -1}], "payment_method": "WALLET"},
        {"items": [{"product_id": "PRODUCT", "quantity": 101}], "payment_method": "WALLET"},
        {"items": [{"product_id": "PRODUCT", "quantity": 2**63}], "payment_method": "WALLET"},
        {"items": [{"product_id": "PRODUCT", "quantity": 1.5}], "payment_method": "WALLET"},
        {"items": [{"product_id": "PRODUCT", "quantity": "2"}], "payment_method": "WALLET"},
        {"items": [{"product_id": "PRODUCT"}], "payment_method": "WALLET"},
        {"items": [{"product_id": "PRODUCT", "quantity": 1}], "payment_method": "CASH"},
        {"items": [{"product_id": "PRODUCT", "quantity": 1}]},
    ],
)
def test_malformed_checkouts_are_400_and_write_nothing(buyer, product, payload):
    body = json_replace(payload, "PRODUCT", str(product.pk))

    response = client_for(buyer).post(URL, body, format="json", **key())

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Order.objects.exists()


def json_replace(value, old, new):
    if isinstance(value, dict):
        return {k: json_replace(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [json_replace(v, old, new) for v in value]
    return new if value == old else value


def test_unknown_product_is_400_naming_it(buyer):
    missing = str(uuid.uuid4())

    response = checkout(client_for(buyer), [{"product_id": missing, "quantity": 1}])

    assert response.status_code == 400
    assert response.json()["code"] == "product_unavailable"
    assert response.json()["product_ids"] == [missing]


def test_insufficient_stock_is_409_naming_the_product(buyer):
    product = ProductFactory(name="Last one", stock=1)

    response = checkout(client_for(buyer), [line(product, 2)])

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["products"][0]["name"] == "Last one"
    assert "Last one" in body["detail"]


def test_insufficient_funds_is_409(product):
    poor = UserFactory()
    funded_wallet(poor, 100)

    response = checkout(client_for(poor), [line(product)])

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_funds"
    assert Stock.objects.get(pk=product.pk).available == 10


def test_own_product_is_422(product):
    funded_wallet(product.merchant, 100_000)

    response = checkout(client_for(product.merchant), [line(product)])

    assert response.status_code == 422
    assert response.json()["code"] == "own_product"


def test_mixed_currency_is_422(buyer, settings):
    settings.KASSA_CURRENCIES = ["USD", "EUR"]
    usd, eur = ProductFactory(currency="USD"), ProductFactory(currency="EUR")

    response = checkout(client_for(buyer), [line(usd), line(eur)])

    assert response.status_code == 422
    assert response.json()["code"] == "mixed_currency"


def test_checkout_needs_authentication(api_client, product):
    assert checkout(api_client, [line(product)]).status_code == 401


# --- reading ------------------------------------------------------------------------------


def test_list_shows_only_my_orders_filtered_by_status(buyer, product):
    mine_paid = place_order(buyer, [(product, 1)])
    mine_pending = place_order(buyer, [(product, 1)], method="CARD")
    other = UserFactory()
    funded_wallet(other, 10_000)
    place_order(other, [(product, 1)])
    client = client_for(buyer)

    everything = client.get(URL).json()
    pending = client.get(URL, {"status": "PAYMENT_PENDING"}).json()

    assert {o["id"] for o in everything["results"]} == {str(mine_paid.pk), str(mine_pending.pk)}
    assert [o["id"] for o in pending["results"]] == [str(mine_pending.pk)]
    assert client.get(URL, {"status": "LOST"}).status_code == 400


def test_detail_is_visible_to_buyer_merchant_and_admin_only(buyer, product):
    order = place_order(buyer, [(product, 1)])
    url = f"{URL}/{order.pk}"

    for viewer in (buyer, product.merchant, AdminFactory()):
        assert client_for(viewer).get(url).status_code == 200
    for stranger in (UserFactory(), MerchantFactory()):
        response = client_for(stranger).get(url)
        assert response.status_code == 404
        assert "items" not in response.json()


def test_events_are_the_audit_trail(buyer, product):
    order = place_order(buyer, [(product, 1)])

    results = client_for(buyer).get(f"{URL}/{order.pk}/events").json()["results"]

    assert [(e["from_status"], e["to_status"]) for e in results] == [
        ("", "CREATED"),
        ("CREATED", "PAYMENT_PENDING"),
        ("PAYMENT_PENDING", "PAID"),
    ]
    assert results[0]["actor_id"] == str(buyer.pk)
    assert client_for(UserFactory()).get(f"{URL}/{order.pk}/events").status_code == 404


def test_sales_lists_orders_with_my_items(buyer, product):
    mine = place_order(buyer, [(product, 1)])
    place_order(buyer, [(ProductFactory(), 1)])

    results = client_for(product.merchant).get(f"{URL}/sales").json()["results"]

    assert [o["id"] for o in results] == [str(mine.pk)]
    assert client_for(buyer).get(f"{URL}/sales").status_code == 403


# --- cancel / fulfil / refund ------------------------------------------------------------


def test_buyer_cancels_a_pending_order(buyer, product):
    order = place_order(buyer, [(product, 3)], method="CARD")

    response = client_for(buyer).post(f"{URL}/{order.pk}/cancel", {"reason": "oops"})

    assert response.status_code == 200
    assert response.json()["status"] == "CANCELLED"
    assert Stock.objects.get(pk=product.pk).available == 10


def test_cancel_of_a_paid_order_is_409(buyer, product):
    order = place_order(buyer, [(product, 1)])

    response = client_for(buyer).post(f"{URL}/{order.pk}/cancel")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_only_the_buyer_cancels(buyer, product):
    order = place_order(buyer, [(product, 1)], method="CARD")

    assert client_for(product.merchant).post(f"{URL}/{order.pk}/cancel").status_code == 403
    assert client_for(UserFactory()).post(f"{URL}/{order.pk}/cancel").status_code == 404


def test_merchant_fulfils_a_paid_order(buyer, product):
    order = place_order(buyer, [(product, 1)])

    response = client_for(product.merchant).post(f"{URL}/{order.pk}/fulfill")

    assert response.status_code == 200
    assert response.json()["status"] == "FULFILLED"


def test_fulfil_is_refused_to_the_buyer_and_partial_merchants(buyer, product):
    other = ProductFactory()
    order = place_order(buyer, [(product, 1), (other, 1)])

    assert client_for(buyer).post(f"{URL}/{order.pk}/fulfill").status_code == 403
    assert client_for(product.merchant).post(f"{URL}/{order.pk}/fulfill").status_code == 403
    assert client_for(MerchantFactory()).post(f"{URL}/{order.pk}/fulfill").status_code == 404
    assert client_for(AdminFactory()).post(f"{URL}/{order.pk}/fulfill").status_code == 200


def test_fulfil_of_a_pending_order_is_409(buyer, product):
    order = place_order(buyer, [(product, 1)], method="CARD")

    response = client_for(product.merchant).post(f"{URL}/{order.pk}/fulfill")

    assert response.status_code == 409


def test_merchant_refunds_a_wallet_order(buyer, product):
    order = place_order(buyer, [(product, 2)])

    response = client_for(product.merchant).post(
        f"{URL}/{order.pk}/refund", {"reason": "duplicate purchase"}, **key()
    )

    assert response.status_code == 200
    assert response.json()["status"] == "REFUNDED"
    assert response.json()["refunded_amount"] == 2500
    assert Wallet.objects.get(owner=buyer).balance == 100_000


def test_merchant_refunds_part_of_a_wallet_order_and_a_replay_refunds_nothing_more(buyer, product):
    order = place_order(buyer, [(product, 2)])
    client, headers = client_for(product.merchant), key()

    first = client.post(f"{URL}/{order.pk}/refund", {"amount": 1000}, format="json", **headers)
    replay = client.post(f"{URL}/{order.pk}/refund", {"amount": 1000}, format="json", **headers)
    too_much = client.post(f"{URL}/{order.pk}/refund", {"amount": 1501}, format="json", **key())

    assert (first.status_code, replay["Idempotent-Replayed"]) == (200, "true")
    assert (first.json()["status"], first.json()["refunded_amount"]) == ("PAID", 1000)
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "refund_too_large"
    assert too_much.json()["detail"] == "At most $15.00 can still be refunded."
    assert Wallet.objects.get(owner=buyer).balance == 100_000 - 2500 + 1000


def test_refund_needs_an_idempotency_key_and_replays(buyer, product):
    order = place_order(buyer, [(product, 2)])
    client = client_for(product.merchant)
    headers = key()

    missing = client.post(f"{URL}/{order.pk}/refund")
    first = client.post(f"{URL}/{order.pk}/refund", **headers)
    replay = client.post(f"{URL}/{order.pk}/refund", **headers)
    fresh_key = client.post(f"{URL}/{order.pk}/refund", **key())

    assert missing.status_code == 400
    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay["Idempotent-Replayed"] == "true"
    assert fresh_key.status_code == 409
    assert Wallet.objects.get(owner=buyer).balance == 100_000


def test_refund_is_refused_to_the_buyer(buyer, product):
    order = place_order(buyer, [(product, 1)])

    assert client_for(buyer).post(f"{URL}/{order.pk}/refund", **key()).status_code == 403
