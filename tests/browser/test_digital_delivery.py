"""Digital delivery in Chromium: the merchant uploads codes and a file, the buyer
pays with the wallet and has the code and the download on the order page at once."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.models import Product
from catalog.tests.factories import code_product, download_product
from conftest import PASSWORD
from tests.browser.checks import check_page, log_in
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db(transaction=True)


def _buy_with_wallet(page, product):
    page.goto(f"/products/{product.pk}/")
    expect(page.get_by_text("Delivered at once")).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_label("Wallet").check()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("Thank you: your order is paid.")).to_be_visible()


def test_a_code_bought_with_the_wallet_shows_on_the_order_page_at_once(page, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    product = code_product(codes=["STEAM-AB12-CD34", "STEAM-EF56-GH78"], name="Steam card $20")
    customer = UserFactory()
    funded_wallet(customer, 5_000)

    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)
    _buy_with_wallet(page, product)

    expect(page.locator("#order-status")).to_contain_text("Fulfilled")
    code = page.get_by_label("Code 1 of Steam card $20")
    expect(code).to_have_value("STEAM-AB12-CD34")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "STEAM-AB12-CD34"
    check_page(page, screenshot="order-delivered-code")


def test_a_download_bought_with_the_wallet_downloads_with_its_name(page):
    product = download_product(
        content=b"PK fake zip", filename="indie-album.zip", name="Indie album"
    )
    customer = UserFactory()
    funded_wallet(customer, 5_000)

    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)
    _buy_with_wallet(page, product)

    link = page.get_by_role("link", name="Download Indie album")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "indie-album.zip"
    page.get_by_role("button", name="New download link").click()
    expect(page.get_by_text("Here is a new download link.")).to_be_visible()
    expect(page.get_by_text("5 downloads left")).to_be_visible()


def test_a_merchant_makes_a_codes_product_uploads_codes_and_voids_one(page):
    merchant = MerchantFactory()
    page.goto("/login/")
    log_in(page, merchant.email, PASSWORD)

    page.goto("/dashboard/products/new/")
    page.get_by_label("Name").fill("Licence key")
    page.get_by_label("Price").fill("12.00")
    page.get_by_label("Delivery").select_option("codes")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Codes of Licence key")).to_be_visible()

    page.get_by_label("Codes, one per line").fill("KEY-AAAA-0001\nKEY-BBBB-0002\nKEY-AAAA-0001")
    page.get_by_role("button", name="Upload codes").click()
    expect(page.get_by_text("Added 2 codes; 2 on sale.")).to_be_visible()
    expect(page.get_by_text("Skipped 1 duplicate:")).to_be_visible()
    expect(page.get_by_text("KEY-AAAA-0001")).to_have_count(0)  # masked everywhere
    check_page(page, screenshot="dashboard-codes")
    expect(page.get_by_role("link", name="Void code KEY-••••-0002")).to_be_visible()
    page.get_by_role("link", name="Void code KEY-••••-0001").click()
    expect(page.get_by_role("heading", name="Void code KEY-••••-0001?")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Void code KEY-••••-0001").click()
    expect(page.get_by_text("Code voided")).to_be_visible()
    product = Product.objects.get(name="Licence key")
    assert product.stock.available == 1


def test_a_merchant_uploads_a_file_and_the_product_goes_on_sale(page, tmp_path):
    merchant = MerchantFactory()
    upload = tmp_path / "manual.pdf"
    upload.write_bytes(b"%PDF-1.4 manual")
    page.goto("/login/")
    log_in(page, merchant.email, PASSWORD)

    page.goto("/dashboard/products/new/")
    page.get_by_label("Name").fill("User manual")
    page.get_by_label("Price").fill("5.00")
    page.get_by_label("Delivery").select_option("download")
    page.get_by_label("Stock", exact=True).fill("10")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("No file yet")).to_be_visible()
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Upload file").click()

    expect(page.get_by_text("manual.pdf is the file buyers get.")).to_be_visible()
    expect(page.get_by_role("button", name="Replace file")).to_be_visible()
    assert Product.objects.get(name="User manual").is_purchasable
