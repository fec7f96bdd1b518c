"""Licence keys on the pages: the buyer's order page (the key, "Copy", its
activations and "Deactivate") and the merchant's list (masked keys, "Disable",
"Enable", "Reset activations"), each seen only by its own people."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.keys import licence_key
from catalog.models import Licence
from catalog.tests.factories import licence_product
from orders.tests.factories import place_order
from payments.services import refund_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold():
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    order = place_order(buyer, [(licence_product(activation_limit=2), 1)])
    licence = Licence.objects.get(order_item__order=order)
    return buyer, order, licence, licence_key(licence)


def _activate(key, name):
    return APIClient().post(
        "/api/v1/licences/activate", {"key": key, "instance_name": name}, format="json"
    )


def test_the_buyer_sees_the_key_with_copy_and_deactivates_a_machine(client, sold):
    buyer, order, licence, key = sold
    instance = _activate(key, "Studio iMac").json()["instance_id"]
    client.force_login(buyer)

    page = client.get(f"/orders/{order.pk}/").content.decode()

    assert key in page and "Copy" in page
    assert "Studio iMac" in page and "Activated on 1 of 2 machines" in page
    answer = client.post(
        f"/orders/{order.pk}/licences/{licence.pk}/{instance}/deactivate/", follow=True
    )
    assert "Deactivated" in answer.content.decode()
    licence.refresh_from_db()
    assert licence.activation_count == 0


def test_a_refunded_order_shows_the_key_masked_and_why(client, sold):
    buyer, order, _, key = sold
    refund_order(order=order, amount=None, actor=None, reason="refund")
    client.force_login(buyer)

    page = client.get(f"/orders/{order.pk}/").content.decode()

    assert key not in page
    assert "Revoked" in page and "The order was refunded" in page


def test_someone_else_cannot_deactivate_the_buyers_machine(client, sold):
    _, order, licence, key = sold
    instance = _activate(key, "pc").json()["instance_id"]
    client.force_login(UserFactory())

    answer = client.post(f"/orders/{order.pk}/licences/{licence.pk}/{instance}/deactivate/")

    assert answer.status_code in (403, 404)
    licence.refresh_from_db()
    assert licence.activation_count == 1


def test_the_merchant_lists_masked_keys_disables_enables_and_resets(client, sold):
    _, _, licence, key = sold
    _activate(key, "Build server")
    client.force_login(licence.product.merchant)
    url = f"/dashboard/products/{licence.product_id}/licences/"

    page = client.get(url).content.decode()

    assert key not in page and key[-4:] in page and "Build server" in page
    disabled = client.post(f"{url}{licence.pk}/disable/", follow=True).content.decode()
    assert "Disabled" in disabled and "Disabled by the merchant" in disabled
    client.post(f"{url}{licence.pk}/enable/")
    client.post(f"{url}{licence.pk}/reset/")
    licence.refresh_from_db()
    assert (licence.state, licence.activation_count) == ("active", 0)


def test_another_merchant_gets_404_on_the_licence_pages(client, sold):
    _, _, licence, _ = sold
    client.force_login(MerchantFactory())
    url = f"/dashboard/products/{licence.product_id}/licences/"

    assert client.get(url).status_code == 404
    assert client.post(f"{url}{licence.pk}/disable/").status_code == 404


def test_a_merchant_creates_a_licence_product_in_the_dashboard(client, merchant):
    client.force_login(merchant)

    client.post(
        "/dashboard/products/new/",
        {
            "name": "Pixel Editor",
            "price": "29.00",
            "currency": "USD",
            "delivery_kind": "licence",
            "stock": 100,
            "activation_limit": 3,
            "licence_days": 365,
        },
    )

    product = merchant.products.get()
    assert (product.delivery_kind, product.activation_limit, product.licence_days) == (
        "licence",
        3,
        365,
    )
