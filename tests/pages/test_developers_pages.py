"""The dashboard's Developers pages, as a merchant uses them."""

import pytest
from django.apps import apps
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiKey
from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from events.models import WebhookDelivery, WebhookEndpoint
from events.services import events_relay
from events.tests.helpers import endpoint_for
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _everything_stored() -> str:
    return "".join(str(list(model._default_manager.values())) for model in apps.get_models())


def test_a_key_made_on_the_dashboard_is_shown_once_and_works():
    merchant = MerchantFactory()
    page = _logged_in(merchant)
    form = {"form_key": "one-form", "name": "shop server", "scopes": ["read", "write"]}

    made = page.post("/dashboard/developers/", form)
    shown = page.get("/dashboard/developers/")
    again = page.get("/dashboard/developers/")
    resubmitted = page.post("/dashboard/developers/", form, follow=True)

    assert made.status_code == 302
    key = shown.context["new_key"]
    assert key.startswith("kassa_sk_") and key in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    assert again.context["new_key"] is None and key not in again.content.decode()
    assert ApiKey.objects.count() == 1
    assert "made already" in resubmitted.content.decode()
    assert key not in _everything_stored()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/products/mine").status_code == 200


def test_revoke_on_the_dashboard_ends_the_key():
    merchant = MerchantFactory()
    page = _logged_in(merchant)
    page.post("/dashboard/developers/", {"form_key": "k", "name": "old", "scopes": ["read"]})
    key = page.get("/dashboard/developers/").context["new_key"]

    page.post(f"/dashboard/developers/keys/{ApiKey.objects.get().pk}/revoke/")
    listing = page.get("/dashboard/developers/").content.decode()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/products/mine").status_code == 401
    assert "revoked" in listing


def test_an_endpoint_added_on_the_dashboard_shows_its_secret_and_refuses_private_addresses(
    settings,
):
    merchant = MerchantFactory()
    page = _logged_in(merchant)
    form = {"url": "http://127.0.0.1:9/hooks", "events": ["*"], "description": "local"}

    added = page.post("/dashboard/developers/webhooks/", form, follow=True)
    endpoint = WebhookEndpoint.objects.get()
    settings.KASSA_WEBHOOKS_ALLOW_PRIVATE = False
    refused = page.post("/dashboard/developers/webhooks/", form | {"url": "https://10.0.0.1/"})

    secret = endpoint.secrets.get()
    assert added.redirect_chain[-1][0].endswith(f"?reveal={endpoint.pk}#endpoint-{endpoint.pk}")
    assert "whsec_" in added.content.decode()
    assert secret.ciphertext not in added.content.decode()
    assert refused.status_code == 400
    assert "not a public address" in refused.content.decode()
    assert WebhookEndpoint.objects.count() == 1


def test_the_delivery_log_filters_and_redelivers_a_dead_letter(
    make_receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_RETRIES = 0
    merchant = MerchantFactory()
    receiver = make_receiver([500])
    endpoint_for(merchant, receiver)
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    with django_capture_on_commit_callbacks(execute=True):
        place_order(buyer, [(ProductFactory(merchant=merchant), 1)])
    page = _logged_in(merchant)

    failed = page.get("/dashboard/developers/deliveries/?status=FAILED").content.decode()
    succeeded = page.get("/dashboard/developers/deliveries/?status=SUCCEEDED").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page.post(f"/dashboard/developers/deliveries/{WebhookDelivery.objects.get().pk}/redeliver/")

    assert "Redeliver" in failed and "order.paid" in failed and "500" in failed
    assert "No deliveries match" in succeeded
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED
    assert len(receiver.received) == 2


def test_the_events_page_lists_the_stream_with_its_sequence():
    merchant = MerchantFactory()
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(merchant=merchant, stock=2)
    place_order(buyer, [(product, 1)])
    place_order(buyer, [(product, 1)])
    events_relay()

    page = _logged_in(merchant).get("/dashboard/developers/events/")
    sold_out = _logged_in(merchant).get("/dashboard/developers/events/?type=product.sold_out")

    assert [e.sequence for e in page.context["page"]] == [3, 2, 1]
    assert [e.type for e in sold_out.context["page"]] == ["product.sold_out"]


def test_customers_get_no_developers_pages():
    page = _logged_in(UserFactory())

    for url in ("/dashboard/developers/", "/dashboard/developers/webhooks/"):
        assert page.get(url).status_code == 403
