"""DRF's browsable API as a face people use: HTML forms, money ones included."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Order
from orders.tests.factories import place_order
from payments.gateways import TEST_CARDS
from payments.services import checkout_create
from payments.tests.factories import card_order, pay_order
from wallets.models import Wallet
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html"}


def _browser(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _form(client, url) -> dict:
    """The CSRF token and the one-time key of the page's HTML POST form."""
    page = client.get(url, **HTML).content.decode()
    key = re.search(r'name="form_key" value="([0-9a-f]+)"', page)
    assert key, f"no one-time key in the form of {url}"
    return {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, "form_key": key.group(1)}


def test_a_deposit_posted_from_the_html_form_runs_once_and_a_resubmit_replays():
    user = UserFactory()
    client = _browser(user)
    form = {**_form(client, "/api/v1/wallet/deposit"), "amount": "2500", "card_token": "tok_visa"}

    first = client.post("/api/v1/wallet/deposit", form, **HTML)
    again = client.post("/api/v1/wallet/deposit", form, **HTML)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Wallet.objects.get(owner=user).balance == 2500


def test_the_deposit_form_names_each_field_says_amounts_are_cents_and_lists_test_cards():
    page = _browser(UserFactory()).get("/api/v1/wallet/deposit", **HTML).content.decode()

    form = page[page.index('id="post-object-form"') :]
    form = form[: form.index("</form>")]
    for name in ("amount", "currency", "card_token", "description"):
        control = re.search(rf'<input id="([^"]+)"[^>]* name="{name}"', form)
        assert control, f"the {name} input has no id"
        assert f'<label for="{control.group(1)}"' in form, f"no label names the {name} input"
    assert "In cents (minor units): 2500 is $25.00" in form
    assert '<html lang="en">' in page
    for token, _ in TEST_CARDS:
        assert token in page[: page.index('id="post-object-form"')], f"{token} is not described"


def test_an_order_a_card_payment_and_a_refund_from_html_forms(django_capture_on_commit_callbacks):
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(price=1500, stock=5)
    client = _browser(buyer)

    ordered = client.post(
        "/api/v1/orders",
        {
            **_form(client, "/api/v1/orders"),
            "product_id": str(product.pk),
            "quantity": "2",
            "payment_method": "WALLET",
        },
        **HTML,
    )
    assert ordered.status_code == 201
    assert Order.objects.get(buyer=buyer).total == 3000

    card = card_order(buyer, product)
    pay_url = f"/api/v1/orders/{card.pk}/pay"
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(pay_url, {**_form(client, pay_url), "card_token": "tok_visa"}, **HTML)
    assert paid.status_code == 202
    card.refresh_from_db()
    assert card.status == "PAID"

    merchant = _browser(product.merchant)
    refund_url = f"/api/v1/orders/{card.pk}/refund"
    refunded = merchant.post(
        refund_url, {**_form(merchant, refund_url), "reason": "changed mind"}, **HTML
    )
    assert refunded.status_code == 200
    card.refresh_from_db()
    assert card.status == "REFUNDED"


def test_json_clients_still_need_the_header_and_token_clients_cannot_post_forms():
    user = UserFactory()
    session = _browser(user)
    session.get("/api/v1/wallet/deposit", **HTML)
    token = session.cookies["csrftoken"].value

    json_post = session.post(
        "/api/v1/wallet/deposit",
        {"amount": 100, "card_token": "tok_visa", "form_key": "abc"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    form_by_token = client_for(user).post(
        "/api/v1/wallet/withdraw", {"amount": "100"}, format="multipart", HTTP_IDEMPOTENCY_KEY="w1"
    )

    assert (json_post.status_code, json_post.json()["code"]) == (400, "idempotency_key_required")
    assert form_by_token.status_code == 415


def test_a_form_without_the_csrf_token_is_refused():
    client = _browser(UserFactory())
    form = _form(client, "/api/v1/wallet/deposit")
    del form["csrfmiddlewaretoken"]

    response = client.post(
        "/api/v1/wallet/deposit", {**form, "amount": "100", "card_token": "tok_visa"}, **HTML
    )

    assert response.status_code == 403


def test_pages_link_related_resources():
    buyer = UserFactory()
    funded_wallet(buyer, 5_000)
    order = place_order(buyer, [(ProductFactory(), 1)])

    body = client_for(buyer).get(f"/api/v1/orders/{order.pk}").json()
    product = client_for(buyer).get(f"/api/v1/products/{order.items.get().product_id}").json()

    assert body["url"] == f"http://testserver/api/v1/orders/{order.pk}"
    assert body["events_url"] == f"http://testserver/api/v1/orders/{order.pk}/events"
    assert product["inventory_url"].endswith(f"/api/v1/inventory/{product['id']}")


def test_the_api_root_lists_the_resources_and_unknown_api_urls_are_json(settings):
    root = Client().get("/api/v1/")
    assert root.status_code == 200
    assert root.json()["orders"] == "http://testserver/api/v1/orders"

    for debug in (False, True):
        settings.DEBUG = debug
        for url in ("/api/v1/nonexistent", "/api/nothing/here", "/api/"):
            response = Client().get(url)
            assert (response.status_code, response["Content-Type"]) == (404, "application/json")
            assert response.json()["code"] == "not_found"


def _named_patterns(resolver):
    """Named URL patterns outside any namespace (the API's; pages and the admin
    have namespaces)."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if not entry.namespace:
                yield from _named_patterns(entry)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry


def _api_urls(ids: dict) -> list[str]:
    urls = []
    for pattern in _named_patterns(get_resolver()):
        if set(pattern.pattern.converters) - set(ids):
            continue
        url = reverse(pattern.name, kwargs={k: ids[k] for k in pattern.pattern.converters})
        if url.startswith("/api/v1/"):
            urls.append(url)
    return urls


@pytest.mark.parametrize("who", ["customer", "merchant", "admin"])
def test_every_endpoint_renders_its_browsable_page(who, django_capture_on_commit_callbacks):
    buyer, merchant = UserFactory(), MerchantFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(merchant=merchant)
    order = place_order(buyer, [(product, 1)])
    checkout, _ = checkout_create(
        merchant=merchant, idempotency_key="k", amount=900, currency="USD"
    )
    payment = pay_order(card_order(buyer, product), "tok_visa", django_capture_on_commit_callbacks)
    ids = {
        "product_id": product.pk,
        "order_id": order.pk,
        "checkout_id": checkout.pk,
        "payment_id": payment.pk,
    }
    user = {"customer": buyer, "merchant": merchant, "admin": AdminFactory()}[who]
    client = _browser(user)

    answers = {url: client.get(url, **HTML).status_code for url in _api_urls(ids)}

    assert len(answers) >= 25
    assert {url: code for url, code in answers.items() if code >= 500} == {}
