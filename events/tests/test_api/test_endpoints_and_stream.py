"""The developers' API: endpoints, secrets, the delivery log and the stream,
each merchant seeing only their own."""

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create
from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import client_for
from events.models import WebhookDelivery, WebhookEndpoint
from events.services import events_relay, webhook_endpoint_create, webhook_endpoint_drain
from events.tests.helpers import endpoint_for
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _key_client(merchant, scopes) -> APIClient:
    _, raw = api_key_create(
        merchant=merchant, name="server", scopes=scopes, two_factor_verified=False
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_an_endpoint_is_made_with_its_secret_changed_disabled_enabled_and_deleted(receiver):
    merchant = MerchantFactory()
    api = client_for(merchant)

    made = api.post(
        "/api/v1/webhook-endpoints",
        {"url": receiver.url, "events": ["order.paid", "order.refunded"], "description": "shop"},
        format="json",
    )
    endpoint_id = made.json()["id"]
    secret = api.get(f"/api/v1/webhook-endpoints/{endpoint_id}/secret").json()
    changed = api.patch(
        f"/api/v1/webhook-endpoints/{endpoint_id}",
        {"events": ["*"], "enabled": False},
        format="json",
    )
    enabled = api.patch(
        f"/api/v1/webhook-endpoints/{endpoint_id}", {"enabled": True}, format="json"
    )
    deleted = api.delete(f"/api/v1/webhook-endpoints/{endpoint_id}")

    assert made.status_code == 201
    assert made.json()["secret"].startswith("whsec_")
    assert made.json()["events"] == ["order.paid", "order.refunded"]
    assert secret == {"secret": made.json()["secret"], "rolled": []}
    assert (changed.json()["events"], changed.json()["status"]) == (["*"], "DISABLED")
    assert enabled.json()["status"] == "ACTIVE"
    assert deleted.status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_rolling_keeps_the_old_secret_beside_the_new_one():
    merchant = MerchantFactory()
    api = client_for(merchant)
    endpoint, first = webhook_endpoint_create(
        merchant=merchant, url="http://127.0.0.1:9/", event_types=["*"]
    )

    rolled = api.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/roll-secret").json()
    again = api.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/roll-secret").json()

    assert rolled["secret"] != first
    assert [old["secret"] for old in rolled["rolled"]] == [first]
    # Rolling twice locks no receiver out: both earlier secrets still sign.
    assert [old["secret"] for old in again["rolled"]] == [rolled["secret"], first]


def test_unknown_event_types_are_refused():
    answer = client_for(MerchantFactory()).post(
        "/api/v1/webhook-endpoints",
        {"url": "http://127.0.0.1:9/", "events": ["order.paid", "order.teleported"]},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "unknown_event_type"
    assert "order.teleported" in answer.json()["errors"]["events"][0]


def test_an_endpoint_gets_only_the_types_it_subscribed_to(
    receiver, django_capture_on_commit_callbacks
):
    merchant = MerchantFactory()
    endpoint_for(merchant, receiver, event_types=["product.sold_out"])
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(merchant=merchant, stock=1)

    with django_capture_on_commit_callbacks(execute=True):
        place_order(buyer, [(product, 1)])

    assert [r.json["type"] for r in receiver.received] == ["product.sold_out"]
    # The merchant's sequence: the order.paid before it (not subscribed) has its own.
    assert [r.sequence for r in receiver.received] == [2]
    assert client_for(merchant).get("/api/v1/events").json()["results"][0]["type"] == "order.paid"


def test_merchants_see_only_their_own_endpoints_deliveries_and_events(receiver):
    ada, bo = MerchantFactory(), MerchantFactory()
    endpoint, _ = endpoint_for(ada, receiver)
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    place_order(buyer, [(ProductFactory(merchant=ada), 1)])
    events_relay()
    event_id = client_for(ada).get("/api/v1/events").json()["results"][0]["id"]
    delivery = WebhookDelivery.objects.get()
    bo_api = client_for(bo)

    assert bo_api.get("/api/v1/events").json()["results"] == []
    assert bo_api.get(f"/api/v1/events/{event_id}").status_code == 404
    assert bo_api.get(f"/api/v1/webhook-endpoints/{endpoint.pk}").status_code == 404
    assert bo_api.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/secret").status_code == 404
    assert bo_api.get("/api/v1/webhook-deliveries").json()["count"] == 0
    assert bo_api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver").status_code == 404
    assert client_for(buyer).get("/api/v1/events").status_code == 403


def test_the_delivery_log_filters_by_endpoint_status_and_type(make_receiver, settings):
    settings.WEBHOOK_MAX_RETRIES = 0
    merchant = MerchantFactory()
    good, bad = make_receiver(), make_receiver([500, 500, 500])
    good_endpoint, _ = endpoint_for(merchant, good)
    endpoint_for(merchant, bad)
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    place_order(buyer, [(ProductFactory(merchant=merchant, stock=1), 1)])
    events_relay()
    for endpoint in WebhookEndpoint.objects.all():
        webhook_endpoint_drain(endpoint_id=endpoint.pk)
    api = client_for(merchant)

    def listed(query):
        return [
            (d["event_type"], d["status"])
            for d in api.get(f"/api/v1/webhook-deliveries?{query}").json()["results"]
        ]

    assert sorted(listed("")) == sorted(
        [("order.paid", "SUCCEEDED"), ("product.sold_out", "SUCCEEDED")]
        + [("order.paid", "FAILED"), ("product.sold_out", "FAILED")]
    )
    assert sorted(listed(f"endpoint={good_endpoint.pk}")) == [
        ("order.paid", "SUCCEEDED"),
        ("product.sold_out", "SUCCEEDED"),
    ]
    assert listed("status=FAILED&event_type=order.paid") == [("order.paid", "FAILED")]


def test_events_page_by_sequence_and_filter_by_type():
    merchant = MerchantFactory()
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(merchant=merchant, stock=3)
    for _ in range(3):
        place_order(buyer, [(product, 1)])
    events_relay()
    api = client_for(merchant)

    everything = api.get("/api/v1/events").json()["results"]
    sold_out = api.get("/api/v1/events?type=product.sold_out").json()["results"]
    after_two = api.get("/api/v1/events?after=2").json()["results"]

    # The last sale, then the sell-out it caused, in one transaction.
    assert [(e["sequence"], e["type"]) for e in everything] == [
        (1, "order.paid"),
        (2, "order.paid"),
        (3, "order.paid"),
        (4, "product.sold_out"),
    ]
    assert [e["sequence"] for e in sold_out] == [4]
    assert [e["sequence"] for e in after_two] == [3, 4]
    assert api.get("/api/v1/events?after=-1").status_code == 400


def test_a_read_key_reads_the_stream_but_never_sees_a_secret_or_changes_endpoints(receiver):
    merchant = MerchantFactory()
    endpoint, _ = endpoint_for(merchant, receiver)
    reader = _key_client(merchant, ["read"])
    writer = _key_client(merchant, ["read", "write"])

    assert reader.get("/api/v1/events").status_code == 200
    assert reader.get("/api/v1/webhook-deliveries").status_code == 200
    assert reader.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/secret").status_code == 403
    assert writer.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/secret").status_code == 403
    refused = reader.post(
        "/api/v1/webhook-endpoints", {"url": receiver.url, "events": ["*"]}, format="json"
    )
    made = writer.post(
        "/api/v1/webhook-endpoints", {"url": receiver.url, "events": ["*"]}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "insufficient_scope")
    assert made.status_code == 201
