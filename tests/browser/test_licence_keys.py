"""Licence keys in Chromium: a customer buys a licence product with the wallet,
copies the key, and sees the machine the merchant's software activated it on."""

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from catalog.tests.factories import licence_product
from conftest import PASSWORD
from tests.browser.checks import check_page, log_in
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_buys_a_licence_copies_the_key_and_sees_its_activation(page, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    product = licence_product(name="Pixel Editor Pro", activation_limit=2, licence_days=365)
    customer = UserFactory()
    funded_wallet(customer, 5_000)
    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)

    page.goto(f"/products/{product.pk}/")
    expect(page.get_by_text("your licence key appears on your order page")).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_label("Wallet").check()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("Thank you: your order is paid.")).to_be_visible()

    field = page.get_by_label("Key", exact=True)
    key = field.input_value()
    assert key.startswith("KASSA-") and len(key) == 25
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    expect(page.get_by_text("Activated on 0 of 2 machines")).to_be_visible()

    activated = APIClient().post(
        "/api/v1/licences/activate",
        {"key": page.evaluate("navigator.clipboard.readText()"), "instance_name": "Studio iMac"},
        format="json",
    )
    assert activated.status_code == 201, activated.json()
    page.reload()

    expect(page.get_by_text("Activated on 1 of 2 machines")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Studio iMac")).to_be_visible()
    check_page(page, screenshot="order-licence-key")
    page.get_by_role("button", name="Deactivate Studio iMac").click()
    expect(page.get_by_text("Deactivated: that seat is free")).to_be_visible()
    expect(page.get_by_text("Activated on 0 of 2 machines")).to_be_visible()
