"""Where logging in leads, what a logged-out "Add to cart" keeps, and what a
payment link's page says once paid or refused."""

import pytest
from django.test import Client

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD
from payments.models import Payment
from payments.services import checkout_create
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _log_in(client: Client, user, **extra):
    return client.post("/login/", {"username": user.email, "password": PASSWORD, **extra})


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form_key(html: str, name: str = "form_key") -> str:
    start = html.index(f'name="{name}"')
    value = html.index('value="', start) + len('value="')
    return html[value : html.index('"', value)]


def test_a_merchant_lands_on_the_dashboard_and_a_customer_on_the_catalog():
    assert _log_in(Client(), MerchantFactory()).url == "/dashboard/"
    assert _log_in(Client(), UserFactory()).url == "/"


def test_an_explicit_next_still_wins_for_a_merchant():
    assert _log_in(Client(), MerchantFactory(), next="/wallet/").url == "/wallet/"


def test_a_new_merchant_lands_on_the_dashboard_after_registering():
    registered = Client().post(
        "/register/", {"email": "new@example.com", "password": PASSWORD, "role": "MERCHANT"}
    )

    assert registered.url == "/dashboard/"


def test_adding_to_the_cart_logged_out_keeps_the_item_through_log_in():
    product = ProductFactory(name="Font licence", price=3000)
    client = Client()

    added = client.post("/cart/add/", {"product_id": product.pk, "quantity": 2})
    logged_in = _log_in(client, UserFactory(), next="/cart/")
    cart = client.get("/cart/").content.decode()

    assert added.url == "/login/?next=/cart/"
    assert logged_in.url == "/cart/"
    assert "Font licence" in cart and 'value="2"' in cart


def _link(amount=1250):
    checkout, _ = checkout_create(
        merchant=MerchantFactory(first_name="Mia", last_name="Shop"),
        idempotency_key="inv-1",
        amount=amount,
        currency="USD",
        description="Logo review",
    )
    return checkout


def _pay_from_wallet(client: Client, checkout, django_capture_on_commit_callbacks):
    page = client.get(f"/pay/{checkout.pk}/").content.decode()
    body = {"payment_method": "WALLET", "card_token": "tok_visa", "form_key": _form_key(page)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/pay/{checkout.pk}/", body)
    return client.get(f"/pay/{checkout.pk}/").content.decode()


def test_a_paid_link_says_it_is_paid_and_offers_no_pay_button(
    django_capture_on_commit_callbacks,
):
    checkout, payer = _link(), UserFactory()
    funded_wallet(payer, 5_000)

    paid = _pay_from_wallet(_logged_in(payer), checkout, django_capture_on_commit_callbacks)
    seen_by_anyone = Client().get(f"/pay/{checkout.pk}/").content.decode()

    for page in (paid, seen_by_anyone):
        assert "<h1>Paid $12.50 to Mia Shop</h1>" in page
        assert "This link has been paid" in page
        assert "Pay $12.50" not in page and "<button" not in page.split("<main")[-1]


def test_too_little_in_the_wallet_says_to_the_payer_alone_how_much_it_holds(
    django_capture_on_commit_callbacks,
):
    checkout, payer = _link(), UserFactory()
    funded_wallet(payer, 500)

    refused = _pay_from_wallet(_logged_in(payer), checkout, django_capture_on_commit_callbacks)
    seen_by_anyone = Client().get(f"/pay/{checkout.pk}/").content.decode()

    said = "Insufficient funds: this link is $12.50 and your wallet holds $5.00."
    assert said in refused and "Pay $12.50 to Mia Shop" in refused
    assert "$5.00" not in seen_by_anyone
    # The merchant sees the payment too (dashboard, API): not the payer's balance.
    assert Payment.objects.get().failure_message == "Insufficient funds in the payer's wallet."


def test_a_withdrawal_past_the_balance_says_what_is_needed_and_available():
    user = UserFactory()
    funded_wallet(user, 500)
    client = _logged_in(user)
    page = client.get("/wallet/").content.decode()

    body = {"withdraw-amount": "20.00", "withdraw-form_key": _form_key(page, "withdraw-form_key")}
    refused = client.post("/wallet/withdraw/", body, follow=True).content.decode()

    assert "Insufficient funds: $20.00 needed, $5.00 available." in refused
