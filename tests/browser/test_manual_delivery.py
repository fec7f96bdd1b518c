"""A hand-delivered product in Chromium: the buyer is told it is "Sent by the
merchant" at every step, the merchant fulfils it with a code, and the buyer
finds the code on the order page; a merchant's cover image in the catalog."""

import pytest
from playwright.sync_api import expect

from accounts.services import user_grant_merchant_admin
from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory, image_upload
from conftest import PASSWORD
from orders.models import Order
from tests.browser.checks import check_page, log_in
from tests.browser.conftest import DESKTOP
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def merchant():
    return user_grant_merchant_admin(user=MerchantFactory(first_name="Mia", last_name="Keys"))


def test_a_merchant_fulfils_with_a_code_and_the_buyer_sees_it(page, browser, live_server, merchant):
    ProductFactory(merchant=merchant, name="Xbox card by hand", price=2500)
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)

    page.goto("/login/")
    log_in(page, buyer.email, PASSWORD)
    card = page.locator("article", has_text="Xbox card by hand")
    expect(card).to_contain_text("Sent by the merchant")
    card.get_by_role("link", name="Xbox card by hand").click()
    expect(page.get_by_text("sends it to you by hand after you pay")).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("table.cart")).to_contain_text("Sent by the merchant")
    page.get_by_label("Wallet").check()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", name="Sent by the merchant")).to_be_visible()
    expect(page.get_by_text("the merchant now sends it to you by hand")).to_be_visible()
    check_page(page, screenshot="order-sent-by-the-merchant")
    order_page = page.url

    selling = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    seller = selling.new_page()
    seller.goto("/login/?next=/dashboard/sales/")
    log_in(seller, merchant.email, PASSWORD)
    sale = seller.locator("article", has_text="Xbox card by hand × 1")
    sale.get_by_label("Code or message for the buyer").fill("XBOX-7Q4K-93XZ-PLMN")
    check_page(seller, screenshot="dashboard-fulfil-with-a-code")
    sale.get_by_role("button", name="Fulfil").click()
    expect(seller.get_by_text("Order fulfilled.")).to_be_visible()
    selling.close()

    page.goto(order_page)
    expect(page.locator("#order-status")).to_contain_text("Fulfilled")
    note = page.get_by_label("Code or message from the merchant")
    expect(note).to_have_value("XBOX-7Q4K-93XZ-PLMN")
    assert Order.objects.get().status == Order.Status.FULFILLED
    check_page(page, screenshot="order-fulfilled-with-a-code")


def test_a_merchants_cover_image_shows_in_the_catalog_in_its_sizes(page, merchant, tmp_path):
    ProductFactory(merchant=merchant, name="Sunset poster")
    cover = tmp_path / "sunset.png"
    cover.write_bytes(image_upload(1600, 1200).read())

    page.goto("/login/?next=/dashboard/products/")
    log_in(page, merchant.email, PASSWORD)
    page.get_by_role("link", name="Sunset poster").click()
    page.get_by_label("Image to upload").set_input_files(str(cover))
    page.get_by_role("button", name="Upload image").click()
    expect(page.get_by_text("Cover image saved.")).to_be_visible()

    page.goto("/")
    image = page.get_by_role("img", name="Sunset poster")
    image.scroll_into_view_if_needed()
    expect(image).to_have_attribute("loading", "lazy")
    page.wait_for_function("document.querySelector('img[alt=\"Sunset poster\"]').naturalWidth > 0")
    assert image.evaluate("img => img.currentSrc").endswith(".webp")
    check_page(page, screenshot="catalog-with-a-cover")
