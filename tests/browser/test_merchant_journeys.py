"""A merchant's journeys through the dashboard and the admin, in Chromium."""

import re
from base64 import b32encode

import pytest
from playwright.sync_api import expect

from accounts.services import user_grant_merchant_admin
from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from accounts.tests.totp import totp
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD, client_for
from demo.management.commands.seed_demo import DEMO_TOTP_KEYS
from orders.models import Order
from orders.services import order_place
from payments.services import payment_create_for_order
from tests.browser.checks import check_page, log_in
from tests.browser.conftest import SCREENSHOTS
from wallets.selectors import wallet_balances
from wallets.tests.factories import funded_wallet, settle_proceeds
from wallets.verification import ledger_violations

DEMO = "merchant@example.com"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def merchant():
    return user_grant_merchant_admin(user=MerchantFactory(first_name="Mia", last_name="Keys"))


def _buy(product, method="WALLET"):
    buyer = UserFactory()
    funded_wallet(buyer, 50_000)
    order = order_place(
        buyer=buyer, items=[{"product_id": product.pk, "quantity": 1}], payment_method=method
    )
    if method == "CARD":  # transaction=True: the eager task charges at once
        payment_create_for_order(order=order, payer=buyer, card_token="tok_visa")
    return order


def test_a_merchant_lists_a_product_sells_it_fulfils_it_and_sees_the_money(page, merchant):
    page.goto("/login/")
    log_in(page, merchant.email, PASSWORD)
    page.get_by_role("link", name="Dashboard").click()
    check_page(page)
    page.get_by_role("link", name="Products").click()
    page.get_by_role("button", name="New product").click()
    page.get_by_label("Name").fill("Cloud storage voucher")
    page.get_by_label("Description").fill("One year, 1 TB.")
    page.get_by_label("Price").fill("19.99")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Stock").fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Cloud storage voucher is on sale.")).to_be_visible()
    check_page(page, screenshot="dashboard-product")

    api = client_for(merchant).get("/api/v1/products/mine").json()["results"][0]
    assert (api["price"], api["stock"]) == (1999, 3)
    order = _buy(Product.objects.get(name="Cloud storage voucher"))

    page.get_by_role("link", name="Products").click()
    check_page(page, screenshot="dashboard-products")
    page.get_by_role("link", name="Sales").click()
    expect(page.get_by_text("Cloud storage voucher × 1")).to_be_visible()
    check_page(page, screenshot="dashboard-sales")
    page.get_by_role("button", name="Fulfil").click()
    expect(page.get_by_text("Order fulfilled.")).to_be_visible()
    order.refresh_from_db()
    assert order.status == Order.Status.FULFILLED

    settle_proceeds()  # what beat's settlement task does within seconds
    page.get_by_role("link", name="Overview").click()
    expect(page.locator("article").filter(has_text="Available")).to_contain_text("$19.99")
    check_page(page, screenshot="dashboard-overview")
    page.get_by_role("link", name="Merchant wallet").click()
    expect(page.get_by_role("heading", name="Merchant wallet")).to_be_visible()
    expect(page.get_by_role("cell", name="+$19.99")).to_be_visible()
    check_page(page, screenshot="dashboard-wallet")


def test_a_merchant_refunds_part_of_a_card_sale(page, merchant):
    product = ProductFactory(merchant=merchant, name="Font licence", price=3000)
    order = _buy(product, method="CARD")
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID

    page.goto("/login/?next=/dashboard/sales/")
    log_in(page, merchant.email, PASSWORD)
    page.locator("summary", has_text="Refund").click()
    page.get_by_label("Amount (USD)").fill("5.00")
    page.get_by_label("Reason").fill("one weight missing")
    page.get_by_role("button", name="Review refund").click()
    page.get_by_role("button", name="Refund $5.00").click()

    expect(page.get_by_text("Refunded $5.00.", exact=True)).to_be_visible()
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.PAID, 500)


def test_a_merchant_refunds_part_of_a_wallet_sale_after_confirming_then_the_rest(page, merchant):
    product = ProductFactory(merchant=merchant, name="Icon pack", price=3000)
    order = _buy(product)

    page.goto("/login/?next=/dashboard/sales/")
    log_in(page, merchant.email, PASSWORD)
    sale = page.locator("article", has_text="Icon pack")
    expect(sale).to_contain_text(f"buyer {order.buyer.email}")
    expect(sale.get_by_role("link", name=order.number)).to_be_visible()
    sale.locator("summary", has_text="Refund").click()
    amount = sale.get_by_label("Amount (USD)")
    expect(amount).to_have_value("30.00")  # the whole sale unless told otherwise
    amount.fill("12.50")
    sale.get_by_label("Reason").fill("two icons missing")
    sale.get_by_role("button", name="Review refund").click()

    expect(page.get_by_role("heading", name="Refund $12.50?")).to_be_visible()
    check_page(page, screenshot="dashboard-refund-confirm")
    order.refresh_from_db()
    assert order.refunded_amount == 0  # nothing moves before the confirmation
    page.get_by_role("button", name="Refund $12.50").click()

    expect(page.get_by_text("Refunded $12.50.", exact=True)).to_be_visible()
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.PAID, 1250)
    assert wallet_balances(user=order.buyer, currency="USD").available == 50_000 - 1750

    sale = page.locator("article", has_text="Icon pack")
    expect(sale).to_contain_text("refunded $12.50")
    sale.locator("summary", has_text="Refund").click()
    expect(sale.get_by_label("Amount (USD)")).to_have_value("17.50")
    sale.get_by_role("button", name="Review refund").click()
    page.get_by_role("button", name="Refund $17.50").click()

    expect(page.get_by_text("Refunded $17.50.", exact=True)).to_be_visible()
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, 3000)
    assert ledger_violations() == []


def test_a_payment_link_paid_on_its_hosted_page_shows_completed(page, browser, merchant):
    page.goto("/login/?next=/dashboard/links/")
    log_in(page, merchant.email, PASSWORD)
    page.get_by_text("New payment link").click()
    page.get_by_label("Amount").fill("12.50")
    page.get_by_label("Description").fill("Logo review")
    page.get_by_role("button", name="Create payment link").click()
    address = page.get_by_label("Address to send").input_value()
    check_page(page, screenshot="dashboard-payment-links")

    payer = UserFactory()
    funded_wallet(payer, 5_000)
    other = browser.new_context(base_url=page.url.split("/dashboard")[0])
    customer = other.new_page()
    customer.goto(address)
    customer.get_by_role("link", name="log in", exact=True).click()
    log_in(customer, payer.email, PASSWORD)
    customer.get_by_label("Wallet").check()
    customer.get_by_role("button", name="Pay").click()
    expect(customer.locator("#checkout-status")).to_contain_text("Completed.")
    other.close()

    page.reload()
    expect(page.locator("article").filter(has_text="Logo review")).to_contain_text("Completed")


def test_a_customer_sees_no_dashboard(page):
    customer = UserFactory()
    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)

    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    response = page.goto("/dashboard/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_the_demo_merchant_uses_the_admin_on_their_own_rows(page):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    page.goto("/admin/")
    page.get_by_label("Email").fill(DEMO)
    page.get_by_label("Password").fill("merchant123")
    page.get_by_role("button", name="Log in").click()
    # The demo merchant has two-factor sign-in: the admin asks for its code.
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Authentication code").fill(totp(b32encode(DEMO_TOTP_KEYS[DEMO]).decode()))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Kassa")).to_be_visible()

    page.goto("/admin/catalog/product/")
    expect(page.get_by_role("link", name="Steam Gift Card $20")).to_be_visible()
    expect(page.get_by_text("Game Pass Code")).to_have_count(0)
    expect(page.get_by_text("$20.00").first).to_be_visible()
    page.goto("/admin/orders/order/")
    rows = page.locator("#result_list tbody tr")
    mine = Order.objects.filter(items__merchant__email="merchant@example.com").distinct()
    assert rows.count() == mine.count()


def test_the_staff_admin_index(page):
    staff = AdminFactory(is_staff=True, is_superuser=True)
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_text("Orders placed")).to_be_visible()
    expect(page).to_have_title(re.compile("Kassa administration"))
    page.screenshot(path=SCREENSHOTS / "admin-index.png", full_page=True)
