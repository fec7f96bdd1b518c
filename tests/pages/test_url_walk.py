"""Every page, as every kind of visitor: never a server error."""

import uuid

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from orders.tests.factories import place_order
from payments.services import checkout_create
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db
PAGE_NAMESPACES = ["storefront", "dashboard"]


def _page_urls(ids: dict) -> list[str]:
    urls = []
    for namespace in PAGE_NAMESPACES:
        resolver = get_resolver().namespace_dict[namespace][1]
        for pattern in resolver.url_patterns:
            kwargs = {name: ids[name] for name in pattern.pattern.converters}
            urls.append(reverse(f"{namespace}:{pattern.name}", kwargs=kwargs))
    return urls


@pytest.mark.parametrize("who", ["anonymous", "customer", "merchant", "admin"])
def test_no_page_answers_a_server_error_to_anyone(who):
    buyer, merchant = UserFactory(), MerchantFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(merchant=merchant)
    order = place_order(buyer, [(product, 1)], method="CARD")
    checkout, _ = checkout_create(
        merchant=merchant, idempotency_key="walk", amount=500, currency="USD"
    )
    ids = {
        "product_id": product.pk,
        "order_id": order.pk,
        "checkout_id": checkout.pk,
        "line_id": order.items.get().pk,
        "code_id": 1,
        "licence_id": 1,
        "instance_id": uuid.uuid4(),
        "discount_id": 1,
        "token": "not-a-signed-token",
        "uidb64": "bm90LWEtdXNlcg",
        "key_id": uuid.uuid4(),
        "endpoint_id": uuid.uuid4(),
        "action": "test",
        "delivery_id": uuid.uuid4(),
        "dispute_id": uuid.uuid4(),
    }
    client = Client()
    visitor = {"customer": buyer, "merchant": merchant, "admin": AdminFactory()}.get(who)
    if visitor is not None:
        client.force_login(visitor)

    answers = {url: client.get(url).status_code for url in _page_urls(ids) + ["/no/such/page/"]}

    assert {url: code for url, code in answers.items() if code >= 500} == {}
    assert len(answers) >= 15
