"""A merchant's developer sets Kassa up for their server, in Chromium: a key, a
webhook endpoint, a sale delivered to it, the log and the stream."""

import re

import pytest
from playwright.sync_api import expect

from accounts.services import user_grant_merchant_admin
from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD
from orders.tests.factories import place_order
from tests.browser.checks import check_page, log_in
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_merchant_makes_a_key_and_an_endpoint_and_sees_a_sale_delivered(page, receiver):
    merchant = user_grant_merchant_admin(user=MerchantFactory(first_name="Dev"))
    page.goto("/login/?next=/dashboard/")
    log_in(page, merchant.email, PASSWORD)
    page.get_by_role("link", name="Developers").click()

    page.locator("summary", has_text="Create key").click()
    page.get_by_label("Name").fill("shop server")
    page.get_by_label("Write (products, payment links, fulfil and refund orders)").check()
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_label("API key").input_value()
    assert key.startswith("kassa_sk_")
    check_page(page, screenshot="dashboard-developers-keys")
    page.reload()
    expect(page.get_by_label("API key")).to_have_count(0)
    expect(page.get_by_role("cell", name=f"kassa_sk_…{key[-4:]}")).to_be_visible()

    page.get_by_role("link", name="Webhooks").click()
    page.locator("summary", has_text="Add endpoint").click()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Every event").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_label("Signing secret")).to_have_value(re.compile(r"^whsec_"))
    check_page(page, screenshot="dashboard-developers-webhooks")

    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    place_order(buyer, [(ProductFactory(merchant=merchant, name="Map pack"), 1)])
    assert [r.json["type"] for r in receiver.received] == ["order.paid"]

    page.get_by_role("link", name="Delivery log").click()
    expect(page.locator("article").filter(has_text="order.paid")).to_contain_text("Succeeded")
    check_page(page, screenshot="dashboard-developers-deliveries")
    page.get_by_role("link", name="Events").click()
    expect(page.get_by_role("cell", name="order.paid")).to_be_visible()
    check_page(page, screenshot="dashboard-developers-events")
