"""The dashboard's Sales and codes pages: who bought what, refunds of any amount
asked before they run, and codes that can be told apart."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.models import ProductCode
from catalog.tests.factories import ProductFactory, code_product
from core import crypto
from orders.models import Order
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def sale():
    buyer = UserFactory(email="ann@example.com")
    funded_wallet(buyer, 10_000)
    product = ProductFactory(merchant=MerchantFactory(), name="Font licence", price=3000)
    return place_order(buyer, [(product, 1)]), product.merchant


def test_the_sales_list_names_the_buyer_and_links_the_order_number(sale):
    order, merchant = sale
    other = place_order(order.buyer, [(ProductFactory(merchant=merchant, price=500), 1)])
    client = _logged_in(merchant)

    page = client.get("/dashboard/sales/").content.decode()
    one = client.get(f"/dashboard/sales/?order={order.pk}").content.decode()

    assert "buyer ann@example.com" in page
    assert f'<a href="/dashboard/sales/?order={order.pk}">{order.number}</a>' in page
    assert order.number in one and other.number not in one


def test_the_refund_form_offers_the_whole_amount_and_asks_before_it_runs(sale):
    order, merchant = sale
    client = _logged_in(merchant)
    form = client.get("/dashboard/sales/").content.decode()
    assert 'name="amount" inputmode="decimal" autocomplete="off" required value="30.00"' in form
    key = re.search(r'name="form_key" value="(\w+)"', form).group(1)

    asked = client.get(
        f"/dashboard/sales/{order.pk}/refund/",
        {"form_key": key, "amount": "12.50", "reason": "one font missing"},
    )

    page = asked.content.decode()
    assert "<h1>Refund $12.50?</h1>" in page
    assert '<button type="submit">Refund $12.50</button>' in page
    assert "Reason: one font missing" in page
    order.refresh_from_db()
    assert order.refunded_amount == 0  # asking moved nothing

    fields = {"form_key": key, "amount": "12.50", "reason": "one font missing"}
    done = client.post(f"/dashboard/sales/{order.pk}/refund/", fields)
    again = client.post(f"/dashboard/sales/{order.pk}/refund/", fields)

    assert done.status_code == again.status_code == 302
    assert _messages(done) == ["Refunded $12.50."]
    assert _messages(again)[-1] == "That form was already sent; this is what it did."
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.PAID, 1250)


def test_a_refund_past_what_is_left_says_the_most_in_money(sale):
    order, merchant = sale
    client = _logged_in(merchant)

    refused = client.post(
        f"/dashboard/sales/{order.pk}/refund/", {"form_key": "k" * 32, "amount": "30.01"}
    )

    assert _messages(refused) == ["At most $30.00 can still be refunded."]


def test_voiding_a_code_asks_first_and_codes_show_their_last_four_characters():
    product = code_product(codes=["XBOX-AB12-7QX4", "XBOX-CD34-9KLM"])
    code = ProductCode.objects.filter(product=product).order_by("pk").first()
    masked = "XBOX-••••-" + crypto.decrypt(code.ciphertext)[-4:]
    client = _logged_in(product.merchant)
    codes_url = f"/dashboard/products/{product.pk}/codes/"

    listing = client.get(codes_url).content.decode()
    asked = client.get(f"{codes_url}{code.pk}/void/").content.decode()

    assert "XBOX-••••-7QX4" in listing and "XBOX-••••-9KLM" in listing
    assert "AB12" not in listing and "CD34" not in listing
    assert f"<h1>Void code {masked}?</h1>" in asked
    assert f'<button type="submit">Void code {masked}</button>' in asked
    code.refresh_from_db()
    assert code.state == ProductCode.State.AVAILABLE

    voided = client.post(f"{codes_url}{code.pk}/void/")

    assert voided.status_code == 302
    code.refresh_from_db()
    assert code.state == ProductCode.State.VOIDED
