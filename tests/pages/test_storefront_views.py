"""The storefront's pages through Django's test client: what each form does,
refuses and replays (the browser journeys are in tests/browser/)."""

import re

import pytest
from django.test import Client

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD
from core.money import format_money, to_minor_units
from orders.models import Order
from wallets.models import Wallet
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form_key(response, prefix="") -> str:
    name = f"{prefix}-form_key" if prefix else "form_key"
    html = response.content.decode()
    start = html.index(f'name="{name}"')
    value = html.index('value="', start) + len('value="')
    return html[value : html.index('"', value)]


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("25.00", "USD", 2500),
        ("25", "USD", 2500),
        ("0.5", "USD", 50),
        ("1,250.75", "USD", 125075),
        ("500", "JPY", 500),
        ("1.234", "KWD", 1234),
    ],
)
def test_people_type_major_units_and_pages_keep_minor_units(text, currency, minor):
    assert to_minor_units(text, currency) == minor


@pytest.mark.parametrize("text", ["10.001", "-5", "0", "abc", "1e3", "", "5.5.5"])
def test_amounts_people_cannot_mean_are_refused(text):
    with pytest.raises(ValueError):
        to_minor_units(text, "USD")


def test_money_is_shown_in_major_units_with_the_currency():
    assert (format_money(1250, "USD"), format_money(500, "JPY"), format_money(1999, "CHF")) == (
        "$12.50",
        "¥500",
        "19.99 CHF",
    )


def test_the_catalog_shows_price_stock_and_merchant_for_anyone():
    ProductFactory(name="Gift card 25", price=2500, stock=3)
    ProductFactory(name="Sold out licence", price=999, stock=0)

    page = Client().get("/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Gift card 25" in html and "$25.00" in html and "3 left" in html
    assert "Sold out" in html


def test_the_price_filter_takes_major_units_and_says_what_is_wrong():
    ProductFactory(name="Cheap", price=500)
    ProductFactory(name="Dear", price=5000)

    found = Client().get("/?min_price=10.00").content.decode()
    wrong = Client().get("/?min_price=10.001").content.decode()

    assert "Dear" in found and "Cheap" not in found
    assert "USD amounts have 2 decimal places." in wrong


def _product_names(html: str) -> list[str]:
    """The catalog's product links, in page order."""
    return re.findall(r'<a href="/products/[^"]+/"[^>]*>([^<]+)</a>', html)


def test_the_catalog_sorts_newest_first_or_by_price_and_keeps_the_search():
    ProductFactory(name="Mid voucher", price=2000)
    ProductFactory(name="Dear voucher", price=5000)
    ProductFactory(name="Cheap voucher", price=500)
    ProductFactory(name="Photo pack", price=100)
    client = Client()

    newest = client.get("/").content.decode()
    by_price = client.get("/?sort=price&q=voucher").content.decode()
    dearest = client.get("/?sort=price-desc&q=voucher").content.decode()

    assert _product_names(newest) == [
        "Photo pack",
        "Cheap voucher",
        "Dear voucher",
        "Mid voucher",
    ]
    assert _product_names(by_price) == ["Cheap voucher", "Mid voucher", "Dear voucher"]
    assert _product_names(dearest) == ["Dear voucher", "Mid voucher", "Cheap voucher"]
    assert '<option value="price" selected>Price</option>' in by_price
    assert "3 products found." in by_price


def test_the_catalog_sort_is_carried_to_the_next_page():
    for n in range(13):
        ProductFactory(name=f"Card {n:02}", price=100 * (13 - n))

    first = Client().get("/?sort=price").content.decode()
    second = Client().get("/?sort=price&page=2").content.decode()

    assert "sort=price&amp;page=2" in first
    assert _product_names(first)[0] == "Card 12" and _product_names(second) == ["Card 00"]


def test_the_cart_says_what_the_wallet_holds_and_how_much_is_missing():
    buyer = UserFactory()
    funded_wallet(buyer, 1_000)
    client = _logged_in(buyer)
    client.post("/cart/add/", {"product_id": ProductFactory(price=400).pk, "quantity": 1})

    enough = client.get("/cart/").content.decode()
    client.post("/cart/add/", {"product_id": ProductFactory(price=2500).pk, "quantity": 1})
    short = client.get("/cart/").content.decode()

    assert "Your wallet holds $10.00." in enough
    assert "Your wallet holds $10.00: $19.00 short of this order" in short


def test_a_wallet_order_from_the_cart_is_paid_and_the_cart_emptied():
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(price=2500, stock=5)
    client = _logged_in(buyer)
    client.post("/cart/add/", {"product_id": product.pk, "quantity": 2})

    cart = client.get("/cart/")
    placed = client.post(
        "/cart/checkout/", {"payment_method": "WALLET", "form_key": _form_key(cart)}, follow=True
    )

    order = Order.objects.get()
    assert (order.status, order.total) == ("PAID", 5000)
    assert placed.redirect_chain[-1][0] == f"/orders/{order.pk}/"
    assert "Cart (0)" in placed.content.decode()
    assert Wallet.objects.get(owner=buyer).balance == 5000


def test_submitting_one_cart_form_twice_places_one_order():
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    client = _logged_in(buyer)
    client.post("/cart/add/", {"product_id": ProductFactory(price=1000).pk, "quantity": 1})
    body = {"payment_method": "WALLET", "form_key": _form_key(client.get("/cart/"))}

    first = client.post("/cart/checkout/", body)
    client.post("/cart/add/", {"product_id": ProductFactory(price=1000).pk, "quantity": 1})
    again = client.post("/cart/checkout/", body, follow=True)

    assert Order.objects.count() == 1
    assert again.redirect_chain[-1][0] == first.url
    assert "already sent" in again.content.decode()


def test_a_short_stock_names_the_product_keeps_the_cart_and_charges_nothing():
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(name="Rare key", price=1000, stock=2)
    client = _logged_in(buyer)
    client.post("/cart/add/", {"product_id": product.pk, "quantity": 2})
    Stock.objects.filter(pk=product.pk).update(available=1)

    response = client.post(
        "/cart/checkout/",
        {"payment_method": "WALLET", "form_key": _form_key(client.get("/cart/"))},
        follow=True,
    )

    assert "Not enough stock: Rare key has 1 left." in response.content.decode()
    assert "Cart (2)" in response.content.decode()
    assert not Order.objects.exists()
    assert Wallet.objects.get(owner=buyer).balance == 10_000


def test_insufficient_funds_is_said_on_the_cart_page():
    buyer = UserFactory()
    client = _logged_in(buyer)
    client.post("/cart/add/", {"product_id": ProductFactory(price=1000).pk, "quantity": 1})

    response = client.post(
        "/cart/checkout/",
        {"payment_method": "WALLET", "form_key": _form_key(client.get("/cart/"))},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/cart/"
    assert (
        "Insufficient funds: the order is $10.00 and your wallet holds $0.00."
        in response.content.decode()
    )


def test_a_declined_card_keeps_the_order_and_another_card_pays_it(
    django_capture_on_commit_callbacks,
):
    buyer = UserFactory()
    product = ProductFactory(price=1500, stock=3)
    client = _logged_in(buyer)
    client.post("/cart/add/", {"product_id": product.pk, "quantity": 1})
    placed = client.post(
        "/cart/checkout/", {"payment_method": "CARD", "form_key": _form_key(client.get("/cart/"))}
    )
    order = Order.objects.get()
    assert placed.url == f"/orders/{order.pk}/pay/"

    pay_page = client.get(placed.url)
    with django_capture_on_commit_callbacks(execute=True):  # the payment task
        client.post(
            placed.url, {"card_token": "tok_chargeDeclined", "form_key": _form_key(pay_page)}
        )
    declined = client.get(f"/orders/{order.pk}/").content.decode()

    order.refresh_from_db()
    assert order.status == "PAYMENT_PENDING"
    assert "Your card was declined." in declined
    assert "Try another card" in declined
    assert "Nothing was charged" in declined
    assert Stock.objects.get(pk=product.pk).available == 2  # still reserved for this order

    second = client.get(placed.url)
    assert "Your last card was not charged: Your card was declined." in second.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(placed.url, {"card_token": "tok_visa", "form_key": _form_key(second)})

    order.refresh_from_db()
    assert order.status == "PAID"
    assert Stock.objects.get(pk=product.pk).sold == 1


def test_the_status_fragment_reloads_the_whole_page_once_the_payment_has_ended():
    buyer = UserFactory()
    funded_wallet(buyer, 5_000)
    client = _logged_in(buyer)
    client.post("/cart/add/", {"product_id": ProductFactory(price=1000).pk, "quantity": 1})
    client.post(
        "/cart/checkout/", {"payment_method": "WALLET", "form_key": _form_key(client.get("/cart/"))}
    )
    order = Order.objects.get()

    polled = client.get(f"/orders/{order.pk}/status/", HTTP_HX_REQUEST="true")

    # The codes, the buttons and the history change with the status, not only
    # the polled part: htmx reloads the page.
    assert polled.status_code == 200
    assert polled["HX-Refresh"] == "true"


def test_deposit_and_withdraw_in_major_units_once_per_form():
    user = UserFactory()
    client = _logged_in(user)
    page = client.get("/wallet/")
    deposit = {
        "deposit-amount": "25.00",
        "deposit-card_token": "tok_visa",
        "deposit-form_key": _form_key(page, "deposit"),
    }

    client.post("/wallet/deposit/", deposit)
    client.post("/wallet/deposit/", deposit)
    withdraw_key = _form_key(client.get("/wallet/"), "withdraw")
    client.post(
        "/wallet/withdraw/", {"withdraw-amount": "10.50", "withdraw-form_key": withdraw_key}
    )

    assert Wallet.objects.get(owner=user).balance == 1450
    history = client.get("/wallet/").content.decode()
    assert "$14.50" in history and "+$25.00" in history and "-$10.50" in history


@pytest.mark.parametrize("amount", ["10.001", "-5", "0"])
def test_a_wrong_amount_keeps_what_was_typed_and_says_why(amount):
    client = _logged_in(UserFactory())
    key = _form_key(client.get("/wallet/"), "deposit")

    response = client.post(
        "/wallet/deposit/",
        {"deposit-amount": amount, "deposit-card_token": "tok_visa", "deposit-form_key": key},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert f'value="{amount}"' in html
    assert 'class="field-error"' in html


def test_anonymous_visitors_are_sent_to_log_in():
    client = Client()
    for url in ("/cart/", "/orders/", "/wallet/", "/account/password/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/?next="), url


def test_register_then_log_out_with_a_post():
    client = Client()
    response = client.post(
        "/register/",
        {"email": "new@example.com", "password": "a-long-unusual-passphrase", "role": "CUSTOMER"},
        follow=True,
    )
    assert "Log out" in response.content.decode()

    assert client.get("/logout/").status_code == 405
    client.post("/logout/")
    assert client.get("/wallet/").status_code == 302


def test_a_password_change_on_the_web_ends_the_other_sessions():
    user = UserFactory()
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.login(username=user.email, password=PASSWORD)

    here.post(
        "/account/password/", {"old_password": PASSWORD, "new_password": "a-brand-new-passphrase-9"}
    )

    assert here.get("/wallet/").status_code == 200
    assert elsewhere.get("/wallet/").status_code == 302


def test_repeated_wrong_passwords_lock_that_account_from_that_address_only(settings):
    settings.AXES_FAILURE_LIMIT = 3
    victim, bystander = UserFactory(), UserFactory()
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        attacker.post("/login/", {"username": victim.email, "password": "guess"})

    locked = attacker.post("/login/", {"username": victim.email, "password": PASSWORD})
    other_account = Client(REMOTE_ADDR="203.0.113.9").post(
        "/login/", {"username": bystander.email, "password": PASSWORD}
    )
    other_address = Client(REMOTE_ADDR="198.51.100.7").post(
        "/login/", {"username": victim.email, "password": PASSWORD}
    )

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert other_account.status_code == 302
    assert other_address.status_code == 302


def test_the_api_login_keeps_its_throttle_and_never_a_lockout_page(settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory()
    client = Client()
    answers = [
        client.post(
            "/api/v1/auth/login",
            {"email": user.email, "password": "guess"},
            content_type="application/json",
        )
        for _ in range(3)
    ]
    good = client.post(
        "/api/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )

    assert [a.status_code for a in answers] == [401, 401, 401]
    assert good.status_code == 200


def test_the_hosted_pay_page_says_who_is_paid_and_pays_once(django_capture_on_commit_callbacks):
    merchant, buyer = MerchantFactory(first_name="Mia", last_name="Shop"), UserFactory()
    funded_wallet(buyer, 5_000)
    from payments.services import checkout_create

    checkout, _ = checkout_create(
        merchant=merchant,
        idempotency_key="inv-1",
        amount=1800,
        currency="USD",
        description="Invoice 1",
    )
    anonymous = Client().get(f"/pay/{checkout.pk}/").content.decode()
    assert (
        "Pay $18.00 to Mia Shop" in anonymous and "Invoice 1" in anonymous and "log in" in anonymous
    )

    client = _logged_in(buyer)
    body = {
        "payment_method": "WALLET",
        "card_token": "tok_visa",
        "form_key": _form_key(client.get(f"/pay/{checkout.pk}/")),
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/pay/{checkout.pk}/", body)
    done = client.post(f"/pay/{checkout.pk}/", body, follow=True).content.decode()

    assert "Completed." in done and "Pay with" not in done
    assert Wallet.objects.get(owner=buyer).balance == 3200


def test_error_pages_wear_the_site_look_without_debug():
    response = Client().get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Kassa" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_anonymous_catalog_pages_come_from_the_cache_and_a_change_shows_at_once(
    django_assert_num_queries,
):
    product = ProductFactory(name="Cached card", price=1000)
    Client().get("/")

    with django_assert_num_queries(0):
        cached = Client().get("/")
    from catalog.services import product_update

    product_update(product=product, data={"price": 1250})
    fresh = Client().get("/").content.decode()

    assert "$10.00" in cached.content.decode()
    assert "$12.50" in fresh


def test_a_logged_in_visitor_never_gets_the_shared_page():
    Client().get("/")  # fills the shared page
    buyer = UserFactory()
    client = _logged_in(buyer)
    client.post("/cart/add/", {"product_id": ProductFactory().pk, "quantity": 2})

    html = client.get("/").content.decode()

    assert "Cart (2)" in html and "Log out" in html


def test_a_product_no_longer_sold_leaves_the_cart_with_a_message_and_nothing_is_charged():
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    kept, retired = ProductFactory(name="Kept card"), ProductFactory(name="Retired card")
    client = _logged_in(buyer)
    for product in (kept, retired):
        client.post("/cart/add/", {"product_id": product.pk, "quantity": 1})
    form_key = _form_key(client.get("/cart/"))
    retired.is_active = False
    retired.save()

    response = client.post(
        "/cart/checkout/", {"payment_method": "WALLET", "form_key": form_key}, follow=True
    )

    html = response.content.decode()
    assert "No longer sold, so taken out of your cart: Retired card." in html
    assert "Kept card" in html and "Cart (1)" in html
    assert not Order.objects.exists()
    assert Wallet.objects.get(owner=buyer).balance == 10_000


def test_a_server_error_is_a_page_in_the_site_look_and_json_under_the_api():
    from django.test import RequestFactory

    from core.views import server_error

    page = server_error(RequestFactory().get("/cart/"))
    api = server_error(RequestFactory().get("/api/v1/orders"))

    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()
    assert "/static/vendor/pico/pico.min.css" in page.content.decode()
    assert (api.status_code, api["Content-Type"]) == (500, "application/json")


def test_every_page_has_a_description_and_an_icon_and_a_product_describes_itself():
    product = ProductFactory(name="Aurora Gift Card", description="Twenty-five dollars to spend.")
    client = Client()

    home = client.get("/").content.decode()
    page = client.get(f"/products/{product.pk}/").content.decode()
    icon = client.get("/favicon.ico")

    assert '<meta name="description" content="Gift cards, licence keys and downloads' in home
    assert '<link rel="icon"' in home
    assert (
        f'<meta name="description" content="Aurora Gift Card from {product.merchant.full_name}: '
        "Twenty-five dollars to spend."
    ) in page
    assert icon.status_code == 302
    assert icon["Location"].endswith(".svg")
