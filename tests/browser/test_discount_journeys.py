"""Discount codes in Chromium: a merchant makes one on the dashboard, a
customer applies it in the cart and pays the lower total."""

import pytest
from playwright.sync_api import expect

from accounts.services import user_grant_merchant_admin
from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD
from orders.models import Discount, Order
from tests.browser.checks import check_page, log_in
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_merchant_creates_a_code_and_a_customer_pays_less_with_it(page):
    merchant = user_grant_merchant_admin(user=MerchantFactory(first_name="Mia", last_name="Keys"))
    product = ProductFactory(merchant=merchant, name="Cloud storage voucher", price=2000)
    other = ProductFactory(name="Someone else's album", price=1000)
    customer = UserFactory()
    funded_wallet(customer, 50_000)

    page.goto("/login/")
    log_in(page, merchant.email, PASSWORD)
    page.goto("/dashboard/")
    page.get_by_role("link", name="Discounts").click()
    page.get_by_text("New discount code").click()
    page.get_by_label("Code", exact=True).fill("SPRING25")
    page.get_by_label("Percent off").fill("25")
    page.get_by_label("Redemptions in all").fill("10")
    page.get_by_role("button", name="Create discount code").click()
    expect(page.get_by_text("Discount code SPRING25 created.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="SPRING25")).to_contain_text("10")
    check_page(page, screenshot="dashboard-discounts")
    assert Discount.objects.get().percent_off == 25

    page.context.clear_cookies()
    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)
    for item in (product, other):
        page.goto(f"/products/{item.pk}/")
        page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.locator("tfoot")).to_contain_text("$30.00")
    page.get_by_label("Discount code").fill("spring25")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Discount code applied.")).to_be_visible()
    expect(page.locator("tfoot")).to_contain_text("−$5.00")
    expect(page.locator("tfoot")).to_contain_text("$25.00")
    check_page(page, screenshot="cart-discount")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("Thank you: your order is paid.")).to_be_visible()

    order = Order.objects.get()
    assert (order.total, order.discount, order.discount_code) == (2500, 500, "SPRING25")
