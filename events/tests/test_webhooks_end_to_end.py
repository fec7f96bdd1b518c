"""A merchant's server receiving Kassa's webhooks: real HTTP to a receiver on
127.0.0.1, every task run as the worker runs it (Celery is eager), every
transaction committed."""

import uuid

import pytest
import stripe

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import client_for
from events import signing
from events.tests.helpers import endpoint_for
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db(transaction=True)


def _post(client, path, body, **headers):
    answer = client.post(
        f"/api/v1/{path}", body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **headers
    )
    assert answer.status_code < 300, answer.json()
    return answer.json()


def test_a_merchants_receiver_gets_every_change_signed_and_numbered_without_a_gap(receiver):
    merchant = MerchantFactory()
    _, secret = endpoint_for(merchant, receiver)
    product = ProductFactory(merchant=merchant, price=1000, stock=10)
    buyer = UserFactory()
    funded_wallet(buyer, 50_000)
    shop, seller = client_for(buyer), client_for(merchant)
    line = {"items": [{"product_id": str(product.pk), "quantity": 1}]}

    wallet_order = _post(shop, "orders", line | {"payment_method": "WALLET"})
    card_order = _post(shop, "orders", line | {"payment_method": "CARD"})
    _post(shop, f"orders/{card_order['id']}/pay", {"card_token": "tok_visa"})
    _post(seller, f"orders/{card_order['id']}/refund", {"amount": 400})
    checkout = _post(seller, "checkouts", {"amount": 1500, "description": "Invoice 7"})
    _post(shop, f"checkouts/{checkout['id']}/pay", {"payment_method": "WALLET"})
    _post(seller, f"orders/{wallet_order['id']}/refund", {"reason": "did not work"})

    got = receiver.received
    assert [r.json["type"] for r in got] == [
        "order.paid",
        "order.paid",
        "order.refunded",
        "refund.succeeded",
        "checkout.completed",
        "order.refunded",
    ]
    assert [r.sequence for r in got] == [1, 2, 3, 4, 5, 6]
    assert [r.json["sequence"] for r in got] == [1, 2, 3, 4, 5, 6]
    for request in got:
        header = request.headers["Kassa-Signature"]
        assert signing.signature_valid(header=header, body=request.body, secret=secret)
        # Stripe's scheme: Stripe's own library checks it.
        stripe.WebhookSignature.verify_header(request.body.decode(), header, secret, 300)
        assert not signing.signature_valid(header=header, body=request.body + b" ", secret=secret)
    assert got[0].json["data"]["order"]["id"] == wallet_order["id"]
    assert got[1].json["data"]["order"]["id"] == card_order["id"]
    assert got[2].json["data"]["amount"] == 400
    assert got[3].json["data"]["refund"]["amount"] == 400
    assert got[4].json["data"]["checkout"] == got[4].json["data"]["checkout"] | {
        "id": checkout["id"],
        "status": "COMPLETED",
        "amount": 1500,
    }
    assert got[5].json["data"]["order"]["status"] == "REFUNDED"


def test_the_stream_replays_from_any_sequence_as_the_webhooks_sent_it(receiver):
    merchant = MerchantFactory()
    endpoint_for(merchant, receiver)
    product = ProductFactory(merchant=merchant, price=700, stock=10)
    buyer = UserFactory()
    funded_wallet(buyer, 50_000)
    for _ in range(5):
        _post(
            client_for(buyer),
            "orders",
            {"items": [{"product_id": str(product.pk), "quantity": 1}], "payment_method": "WALLET"},
        )
    api = client_for(merchant)

    first = api.get("/api/v1/events?after=0&limit=2").json()
    rest = api.get(first["next"]).json()
    last = api.get(rest["next"]).json()

    pages = [first, rest, last]
    replayed = [event for page in pages for event in page["results"]]
    assert [event["sequence"] for event in replayed] == [1, 2, 3, 4, 5]
    assert last["next"] is None
    assert replayed == [request.json for request in receiver.received]
    assert api.get("/api/v1/events?after=5").json() == {"next": None, "results": []}
    one = api.get(f"/api/v1/events/{replayed[2]['id']}")
    assert one.json() == replayed[2]
