"""Discount codes on the pages: the cart's "Discount code" and "Apply", and the
merchant's Discounts page with its CSV."""

import pytest
from django.test import Client

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from orders.models import Discount, Order
from orders.tests.factories import make_discount, place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form_key(response) -> str:
    html = response.content.decode()
    start = html.index('name="form_key"')
    value = html.index('value="', start) + len('value="')
    return html[value : html.index('"', value)]


@pytest.fixture
def shopper():
    customer = UserFactory()
    funded_wallet(customer, 100_000)
    return customer


def test_applying_a_code_shows_each_lines_discount_and_the_lower_total(shopper):
    a_product, b_product = ProductFactory(price=2000), ProductFactory(price=1000)
    make_discount(a_product.merchant, code="HALF", percent_off=50)
    client = _logged_in(shopper)
    for product in (a_product, b_product):
        client.post("/cart/add/", {"product_id": product.pk, "quantity": 1})

    cart = client.post("/cart/discount/", {"code": "half"}, follow=True)

    html = cart.content.decode()
    assert "Discount code applied." in html
    assert html.count("Discount −$10.00") == 1  # merchant A's line only
    assert "Discount (half)" in html and "−$10.00" in html
    assert "<strong>$20.00</strong>" in html  # 30.00 less 10.00
    order_page = client.post(
        "/cart/checkout/", {"payment_method": "WALLET", "form_key": _form_key(cart)}, follow=True
    )
    order = Order.objects.get()
    assert (order.total, order.discount, order.discount_code) == (2000, 1000, "HALF")
    assert "Discount (HALF)" in order_page.content.decode()


def test_an_unknown_code_is_explained_in_the_cart_and_not_kept(shopper):
    client = _logged_in(shopper)
    client.post("/cart/add/", {"product_id": ProductFactory().pk, "quantity": 1})

    cart = client.post("/cart/discount/", {"code": "NOPE"}, follow=True)

    assert "This discount code does not exist." in cart.content.decode()
    assert "Code NOPE applied" not in cart.content.decode()


def test_a_code_used_up_before_checkout_is_explained_and_nothing_is_charged(shopper):
    product = ProductFactory()
    discount = make_discount(product.merchant, max_redemptions=1)
    client = _logged_in(shopper)
    client.post("/cart/add/", {"product_id": product.pk, "quantity": 1})
    cart = client.post("/cart/discount/", {"code": "SAVE10"}, follow=True)
    Discount.objects.filter(pk=discount.pk).update(redeemed=1)

    answer = client.post(
        "/cart/checkout/", {"payment_method": "WALLET", "form_key": _form_key(cart)}, follow=True
    )

    assert "This discount code has been used up." in answer.content.decode()
    assert not Order.objects.exists()


def test_merchant_creates_lists_deactivates_and_exports_codes(shopper):
    merchant = MerchantFactory()
    product = ProductFactory(merchant=merchant)
    client = _logged_in(merchant)

    created = client.post(
        "/dashboard/discounts/",
        {"code": "WELCOME", "percent_off": "20", "currency": "USD", "max_redemptions": "5"},
        follow=True,
    )
    assert "Discount code WELCOME created." in created.content.decode()
    discount = Discount.objects.get()
    assert (discount.percent_off, discount.max_redemptions, discount.applies_to_all) == (
        20,
        5,
        True,
    )
    place_order(shopper, [(product, 1)], code="welcome")

    page = client.get("/dashboard/discounts/").content.decode()
    assert "WELCOME" in page and ">1<" in page and ">4<" in page  # used, left
    sales = client.get("/dashboard/sales/").content.decode()
    assert "code WELCOME" in sales
    csv = client.get("/dashboard/exports/redemptions.csv").content.decode().splitlines()
    assert csv[0] == "date,code,order,customer,discount,currency,state"
    assert ",WELCOME," in csv[1] and shopper.email in csv[1] and ",2.00,USD,Redeemed" in csv[1]
    client.post(f"/dashboard/discounts/{discount.pk}/deactivate/")
    discount.refresh_from_db()
    assert not discount.is_active


def test_an_amount_code_with_chosen_products_and_a_taken_code(shopper):
    merchant = MerchantFactory()
    product = ProductFactory(merchant=merchant)
    make_discount(MerchantFactory(), code="TAKEN")
    client = _logged_in(merchant)
    body = {"amount_off": "2.50", "currency": "USD", "products": [str(product.pk)]}

    taken = client.post("/dashboard/discounts/", {"code": "taken", **body})
    made = client.post("/dashboard/discounts/", {"code": "TWOFIFTY", **body})

    assert taken.status_code == 400 and "That code is taken" in taken.content.decode()
    assert made.status_code == 302
    discount = Discount.objects.get(code="TWOFIFTY")
    assert (discount.amount_off, discount.currency, discount.applies_to_all) == (250, "USD", False)
    assert list(discount.products.all()) == [product]


def test_another_merchants_code_cannot_be_deactivated():
    discount = make_discount(MerchantFactory())
    client = _logged_in(MerchantFactory())

    assert client.post(f"/dashboard/discounts/{discount.pk}/deactivate/").status_code == 404
