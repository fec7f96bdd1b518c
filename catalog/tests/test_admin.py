import pytest
from django.test import Client

from accounts.tests.factories import AdminFactory, MerchantFactory
from catalog.models import Product
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_staff_merchant_sees_only_their_own_products():
    merchant = MerchantFactory(is_staff=True)
    mine = ProductFactory(merchant=merchant, name="Mine")
    theirs = ProductFactory(name="Theirs")
    client = _admin_client(merchant)

    listing = client.get("/admin/catalog/product/")

    assert listing.status_code == 200
    assert b"Mine" in listing.content
    assert b"Theirs" not in listing.content
    assert client.get(f"/admin/catalog/product/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/catalog/product/{theirs.pk}/change/").status_code == 302


def test_staff_merchant_adds_a_product_through_the_service():
    merchant = MerchantFactory(is_staff=True)

    response = _admin_client(merchant).post(
        "/admin/catalog/product/add/",
        {
            "name": "Admin-made",
            "description": "",
            "price": 700,
            "currency": "USD",
            "is_active": "on",
            "stock-TOTAL_FORMS": "0",
            "stock-INITIAL_FORMS": "0",
            "movements-TOTAL_FORMS": "0",
            "movements-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    product = Product.objects.get(name="Admin-made")
    assert product.merchant == merchant
    assert product.stock.available == 0


def test_admin_sees_every_product_and_can_filter():
    ProductFactory(name="First", currency="USD")
    ProductFactory(name="Second")
    client = _admin_client(AdminFactory())

    listing = client.get("/admin/catalog/product/", {"currency": "USD", "q": "First"})

    assert listing.status_code == 200
    assert b"First" in listing.content
    assert b"Second" not in listing.content


def test_soft_delete_action_hides_the_product_from_the_catalog():
    product = ProductFactory()

    _admin_client(AdminFactory()).post(
        "/admin/catalog/product/",
        {"action": "soft_delete", "_selected_action": [str(product.pk)]},
    )

    product.refresh_from_db()
    assert product.deleted_at is not None


def test_customer_cannot_open_the_admin():
    from accounts.tests.factories import UserFactory

    response = _admin_client(UserFactory()).get("/admin/catalog/product/")

    assert response.status_code == 302
