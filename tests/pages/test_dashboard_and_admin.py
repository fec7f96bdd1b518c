"""The merchant dashboard and the Django admin, as merchants and staff use them."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import totp_secret
from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from accounts.tests.totp import totp
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.tests.factories import place_order
from payments.services import checkout_create
from payments.tests.factories import card_order, pay_order
from wallets.models import Wallet
from wallets.tests.factories import funded_wallet, settle_proceeds

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _merchant(**fields):
    from accounts.services import user_grant_merchant_admin

    return user_grant_merchant_admin(user=MerchantFactory(**fields))


@pytest.fixture
def two_shops(django_capture_on_commit_callbacks):
    """Two merchants, each with a product, a wallet sale, a card sale, a payment
    link and stock movements."""
    buyer = UserFactory()
    funded_wallet(buyer, 100_000)
    shops = []
    for name in ("Ada", "Bo"):
        merchant = _merchant(first_name=name)
        product = ProductFactory(merchant=merchant, name=f"{name}'s card", price=1000, stock=10)
        order = place_order(buyer, [(product, 1)])
        card = card_order(buyer, product)
        payment = pay_order(card, "tok_visa", django_capture_on_commit_callbacks)
        checkout, _ = checkout_create(
            merchant=merchant, idempotency_key=name, amount=700, currency="USD"
        )
        shops.append(
            {
                "merchant": merchant,
                "product": product,
                "order": order,
                "payment": payment,
                "checkout": checkout,
            }
        )
    settle_proceeds()
    return shops


def test_a_customer_gets_no_dashboard():
    client = _logged_in(UserFactory())

    assert "Dashboard" not in client.get("/").content.decode()
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/products/").status_code == 403


def test_a_product_made_on_the_dashboard_in_major_units_is_minor_units_in_the_api():
    merchant = _merchant()
    client = _logged_in(merchant)

    response = client.post(
        "/dashboard/products/new/",
        {"name": "Voucher", "description": "", "price": "19.99", "currency": "USD", "stock": "3"},
    )

    assert response.status_code == 302
    api = client_for(merchant).get("/api/v1/products/mine").json()["results"][0]
    assert (api["name"], api["price"], api["stock"]) == ("Voucher", 1999, 3)


def test_dashboard_overview_counts_todays_sales(two_shops):
    shop = two_shops[0]
    html = _logged_in(shop["merchant"]).get("/dashboard/").content.decode()

    assert "$20.00" in html  # today's revenue: a wallet sale and a card sale of 10.00
    assert "<svg" in html and "Revenue, last 30 days" in html


def test_the_revenue_chart_labels_its_axes_and_says_its_figures_in_words(two_shops):
    html = _logged_in(two_shops[0]["merchant"]).get("/dashboard/").content.decode()
    chart = html[html.index('<svg class="chart"') : html.index("</svg>")]
    today = date.today()

    assert "Revenue (USD)" in chart and "Day (UTC)" in chart
    assert ">$0.00</text>" in chart and ">$20.00</text>" in chart  # 0 to the best day
    assert f">{today.day} {today:%b}</text>" in chart
    assert f"$20.00 in all, the most on {today.day} {today:%b} ($20.00)" in chart


def test_exports_parse_and_sum_to_the_ledger(two_shops):
    shop = two_shops[0]
    client = _logged_in(shop["merchant"])
    today = date.today().isoformat()

    sales = client.get(f"/dashboard/exports/sales.csv?start={today}&end={today}")
    ledger = client.get(f"/dashboard/exports/ledger.csv?start={today}&end={today}")

    sale_rows = list(csv.DictReader(io.StringIO(sales.content.decode())))
    ledger_rows = list(csv.DictReader(io.StringIO(ledger.content.decode())))
    assert sales["Content-Type"].startswith("text/csv")
    assert {row["product"] for row in sale_rows} == {"Ada's card"}
    assert sum(Decimal(row["subtotal"]) for row in sale_rows) == Decimal("20.00")
    balance = Wallet.objects.get(owner=shop["merchant"]).balance
    assert sum(Decimal(row["amount"]) for row in ledger_rows) * 100 == balance
    assert Decimal(ledger_rows[-1]["balance_after"]) * 100 == balance


def test_registering_as_a_merchant_opens_the_admin_scoped_to_their_rows():
    api = Client().post(
        "/api/v1/auth/register",
        {"email": "shop@example.com", "password": "a-long-unusual-passphrase", "role": "MERCHANT"},
        content_type="application/json",
    )
    Client().post(
        "/register/",
        {"email": "page@example.com", "password": "a-long-unusual-passphrase", "role": "MERCHANT"},
    )

    assert api.status_code == 201
    for email in ("shop@example.com", "page@example.com"):
        user = User.objects.get(email=email)
        assert user.is_staff and user.groups.filter(name="Merchants").exists()
        client = Client()
        assert client.login(username=email, password="a-long-unusual-passphrase")
        assert client.get("/admin/").status_code == 200


def _admin_pages(objects: dict) -> list[str]:
    """Every registered model's changelist and add page, and the change page of
    the objects given."""
    urls = ["/admin/"]
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
        if model in objects:
            urls.append(reverse(f"{name}_change", args=[objects[model].pk]))
    return urls


@pytest.mark.parametrize("who", ["admin", "merchant"])
def test_every_admin_page_answers_and_merchants_see_only_their_rows(two_shops, who):
    mine, theirs = two_shops
    from catalog.models import Product, StockMovement
    from orders.models import Order
    from payments.models import Checkout, Payment

    objects = {
        Product: mine["product"],
        Order: mine["order"],
        Payment: mine["payment"],
        Checkout: mine["checkout"],
        StockMovement: mine["product"].movements.first(),
    }
    user = AdminFactory(is_staff=True, is_superuser=True) if who == "admin" else mine["merchant"]
    client = _logged_in(user)

    answers = {url: client.get(url) for url in _admin_pages(objects)}

    assert {url: r.status_code for url, r in answers.items() if r.status_code >= 500} == {}
    if who == "merchant":
        for url in (
            "/admin/catalog/product/",
            "/admin/orders/order/",
            "/admin/payments/payment/",
            "/admin/payments/checkout/",
            "/admin/catalog/stockmovement/",
        ):
            html = answers[url].content.decode()
            assert answers[url].status_code == 200, url
            for other in (
                theirs["product"],
                theirs["order"],
                theirs["payment"],
                theirs["checkout"],
            ):
                assert str(other.pk) not in html, (url, other)
        for model, obj in [("payment", theirs["payment"]), ("order", theirs["order"])]:
            app = "payments" if model == "payment" else "orders"
            other_page = client.get(f"/admin/{app}/{model}/{obj.pk}/change/")
            assert other_page.status_code in (302, 404), model


def test_the_staff_index_shows_today_and_retries_a_dead_letter(two_shops):
    from payments.errors import PaymentErrorCode
    from payments.services import payment_create_for_checkout, payment_fail

    checkout = two_shops[0]["checkout"]
    payment = payment_create_for_checkout(
        checkout=checkout, payer=UserFactory(), method="CARD", card_token="tok_timeout"
    )
    payment_fail(payment_id=payment.pk, code=PaymentErrorCode.RETRIES_EXHAUSTED, message="gave up")
    client = _logged_in(AdminFactory(is_staff=True, is_superuser=True))

    index = client.get("/admin/").content.decode()
    retried = client.post(f"/admin/payments/payment/{payment.pk}/retry/", {"next": "/admin/"})

    assert "Kassa administration" in index
    assert "Orders placed" in index and "Retries exhausted" in index and "Retry now" in index
    assert (retried.status_code, retried.url) == (302, "/admin/")
    payment.refresh_from_db()
    checkout.refresh_from_db()
    assert (payment.status, checkout.status) == ("PENDING", "PROCESSING")


def test_the_demo_merchant_logs_into_the_admin():
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    client = Client()

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "merchant@example.com", "password": "merchant123", "next": "/admin/"},
    )
    asked = client.get("/admin/")
    code = totp(totp_secret(TOTPDevice.objects.get(user__email="merchant@example.com")))
    signed_in = client.post("/login/code/?next=/admin/", {"code": code, "next": "/admin/"})

    assert response.status_code == 302 and response.url == "/admin/"
    assert asked.status_code == 302 and asked.url.startswith("/login/code/")
    assert signed_in.status_code == 302 and signed_in.url == "/admin/"
    products = client.get("/admin/catalog/product/").content.decode()
    assert "Steam Gift Card" in products and "Game Pass Code" not in products
