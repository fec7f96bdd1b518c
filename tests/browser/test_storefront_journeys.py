"""A customer's journeys through the storefront in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory, code_product
from conftest import PASSWORD
from orders.models import Order
from orders.tests.factories import place_order
from payments.models import Payment
from payments.services import checkout_create, payment_process
from payments.tasks import process_payment_task
from tests.browser.checks import check_page, check_phone_page, log_in
from tests.browser.conftest import DESKTOP, PHONE
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db(transaction=True)


def _add_to_cart(page, product, quantity=1):
    page.goto(f"/products/{product.pk}/")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()


def test_a_new_customer_deposits_buys_two_products_with_the_wallet_and_cannot_order_twice(
    page, csp_violations
):
    merchant = MerchantFactory(first_name="Nora", last_name="Games")
    gift = ProductFactory(merchant=merchant, name="Game gift card 25", price=2500, stock=5)
    licence = ProductFactory(merchant=merchant, name="Photo editor licence", price=1999, stock=3)
    ProductFactory(name="Retired theme pack", price=500, stock=0)

    page.goto("/")
    check_page(page, screenshot="catalog")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("link", name="Wallet").click()
    page.get_by_label("Amount").first.fill("100.00")
    page.get_by_role("button", name="Deposit").click()
    expect(page.get_by_text("Deposited $100.00.")).to_be_visible()

    page.goto(f"/products/{gift.pk}/")
    expect(page.get_by_text("5 left")).to_be_visible()
    check_page(page, screenshot="product")
    _add_to_cart(page, gift, 2)
    _add_to_cart(page, licence)
    expect(page.get_by_role("link", name=re.compile(r"Cart \(3\)"))).to_be_visible()
    expect(page.get_by_text("$69.99")).to_be_visible()
    check_page(page, screenshot="cart")
    page.get_by_label("Wallet").check()
    checkout_form = page.locator("form[action='/cart/checkout/']")
    sent = {
        name: checkout_form.locator(f"[name={name}]").first.input_value()
        for name in ("csrfmiddlewaretoken", "form_key")
    }
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_text("Thank you: your order is paid.")).to_be_visible()
    expect(page.locator("#order-status")).to_contain_text("Paid")
    order_url = page.url
    check_page(page, screenshot="order")
    page.set_viewport_size(PHONE)
    # On a phone the whole order, its total too, is in view without scrolling the table.
    hidden = page.locator(".overflow-auto").first.evaluate(
        "box => box.scrollWidth - box.clientWidth"
    )
    page.set_viewport_size(DESKTOP)
    assert hidden <= 0, f"the order's table hides {hidden}px at 390px"
    # Back, and the same form sent again (what a resubmitted page does).
    again = page.request.post(
        "/cart/checkout/", form={**sent, "payment_method": "WALLET"}, max_redirects=0
    )
    assert again.status == 302, (again.status, again.text()[:300])
    assert order_url.endswith(again.headers["location"])
    assert Order.objects.count() == 1

    page.get_by_role("link", name="Wallet").click()
    expect(page.get_by_text("$30.01").first).to_be_visible()
    check_page(page, screenshot="wallet")
    page.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("cell", name="Paid")).to_be_visible()
    check_page(page)
    assert csp_violations == []


def test_a_flaky_card_shows_processing_then_paid_and_its_code_without_a_reload(page, monkeypatch):
    customer = UserFactory()
    product = code_product(name="Streaming voucher", price=1500, codes=["STREAM-0001-AB"])
    queued = []
    # The payment task is left for this test to run, so the page is seen waiting.
    monkeypatch.setattr(process_payment_task, "apply_async", lambda args, **kw: queued.append(args))

    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)
    _add_to_cart(page, product)
    page.get_by_label("Card").check()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", name=re.compile("Pay \\$15.00 by card"))).to_be_visible()
    check_page(page, screenshot="card-payment")
    page.get_by_label("Card").select_option("tok_flaky")
    page.get_by_role("button", name="Pay").click()

    expect(page.locator("#order-status")).to_contain_text("Processing payment")
    expect(page.locator("#order-status .spinner")).to_be_visible()
    url = page.url
    (payment_id,) = queued[0]
    for _ in range(3):
        payment_process(payment_id=payment_id)

    # The whole page follows the payment: the code, no "Cancel", the history.
    expect(page.locator("#order-status")).to_contain_text("Fulfilled", timeout=10_000)
    expect(page.locator("#order-status")).to_contain_text("The card network did not answer")
    expect(page.get_by_label("Code 1 of Streaming voucher")).to_have_value("STREAM-0001-AB")
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(page.get_by_text("Your codes appear here")).to_have_count(0)
    expect(page.get_by_role("listitem").filter(has_text="Fulfilled")).not_to_have_count(0)
    assert page.url == url
    assert Payment.objects.get(pk=payment_id).status == "SUCCEEDED"


def test_a_declined_card_is_said_plainly_and_another_card_pays_the_same_order(page):
    customer = UserFactory()
    product = ProductFactory(name="Music subscription", price=900, stock=2)

    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)
    _add_to_cart(page, product)
    page.get_by_label("Card").check()
    page.get_by_role("button", name="Place order").click()
    page.get_by_label("Card").select_option("tok_chargeDeclined")
    page.get_by_role("button", name="Pay").click()

    expect(page.locator("#order-status")).to_contain_text("Payment Pending")
    expect(page.get_by_text("Your card was declined.").first).to_be_visible()
    check_page(page)
    assert Stock.objects.get(pk=product.pk).reserved == 1  # still this order's
    page.get_by_role("button", name="Try another card").click()
    expect(page.get_by_text("Your last card was not charged")).to_be_visible()
    page.get_by_label("Card").select_option("tok_visa")
    page.get_by_role("button", name="Pay").click()

    expect(page.locator("#order-status")).to_contain_text("Paid")
    assert Order.objects.get().status == Order.Status.PAID
    assert Stock.objects.get(pk=product.pk).sold == 1


def test_a_sold_out_product_is_named_and_the_cart_kept(page):
    customer = UserFactory()
    funded_wallet(customer, 10_000)
    product = ProductFactory(name="Limited art print", price=1000, stock=2)

    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)
    _add_to_cart(page, product, 2)
    Stock.objects.filter(pk=product.pk).update(available=1)
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_text("Not enough stock: Limited art print has 1 left.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"Cart \(2\)"))).to_be_visible()
    assert not Order.objects.exists()


def test_a_logged_out_visitor_logs_in_on_the_way_and_pays_a_payment_link(page):
    merchant = MerchantFactory(first_name="Olu", last_name="Studio")
    payer = UserFactory()
    funded_wallet(payer, 5_000)
    checkout, _ = checkout_create(
        merchant=merchant,
        idempotency_key="inv-9",
        amount=1800,
        currency="USD",
        description="Logo design",
    )

    page.goto(f"/pay/{checkout.pk}/")
    expect(page.get_by_role("heading", name="Pay $18.00 to Olu Studio")).to_be_visible()
    check_page(page, screenshot="hosted-pay")
    page.get_by_role("link", name="log in", exact=True).click()
    log_in(page, payer.email, PASSWORD)
    expect(page).to_have_url(re.compile(f"/pay/{checkout.pk}/$"))
    page.get_by_label("Wallet").check()
    page.get_by_role("button", name="Pay").click()

    expect(page.locator("#checkout-status")).to_contain_text("Completed.")
    expect(page.get_by_role("button", name="Pay")).to_have_count(0)
    check_page(page)
    expect(page.get_by_role("heading", name="Paid $18.00 to Olu Studio")).to_be_visible()


def test_adding_to_the_cart_logged_out_then_logging_in_keeps_the_item(page):
    product = ProductFactory(name="Font licence", price=3000, stock=5)
    customer = UserFactory()

    page.goto(f"/products/{product.pk}/")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_text("Added to your cart. Log in to see it and check out.")).to_be_visible()
    log_in(page, customer.email, PASSWORD)

    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.get_by_label("Quantity of Font licence")).to_have_value("2")
    expect(page.get_by_role("link", name="Cart (2)")).to_be_visible()
    check_page(page)


def test_anonymous_visits_to_private_pages_go_to_log_in(page):
    for path in ("/cart/", "/orders/", "/wallet/", "/account/password/"):
        page.goto(path)
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    check_page(page, screenshot="login")
    page.goto("/register/")
    check_page(page)
    page.goto("/no/such/page/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    check_page(page)


def test_account_and_empty_pages_pass_the_same_checks(page):
    customer = UserFactory()
    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)
    for path in ("/cart/", "/orders/", "/wallet/", "/account/password/"):
        page.goto(path)
        check_page(page)


def test_every_page_a_customer_sees_passes_the_checks_on_a_phone(page, csp_violations):
    customer = UserFactory()
    funded_wallet(customer, 10_000)
    product = ProductFactory(name="Game gift card 25", price=2500, stock=5)
    order = place_order(customer, [(product, 1)])
    ProductFactory(name="Photo editor licence", price=1999, stock=3)

    for path in ("/", f"/products/{product.pk}/", "/login/", "/register/"):
        page.goto(path)
        check_phone_page(page)
    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)
    _add_to_cart(page, product)
    for path in ("/cart/", "/orders/", f"/orders/{order.pk}/", "/wallet/", "/?sort=price"):
        page.goto(path)
        check_phone_page(page)
    page.goto("/api/v1/wallet/deposit")
    expect(page.get_by_label("Amount")).to_be_visible()  # a label tied to its input
    check_phone_page(page, header=False)
    assert csp_violations == []


def test_on_a_phone_the_links_are_behind_menu(page):
    customer = UserFactory()
    page.goto("/login/")
    log_in(page, customer.email, PASSWORD)
    page.set_viewport_size(PHONE)

    expect(page.get_by_role("link", name="Wallet")).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("link", name="Wallet").click()

    expect(page.get_by_role("heading", name="Your wallet")).to_be_visible()


def test_a_sent_form_shows_its_button_busy_and_takes_no_second_click(page):
    customer = UserFactory()
    page.goto("/login/")
    # The answer goes to a frame, so this page stays to be looked at.
    page.evaluate(
        "() => { document.body.insertAdjacentHTML('beforeend', '<iframe name=sink hidden></iframe>');"
        " document.querySelector('main form').target = 'sink'; }"
    )
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    button = page.get_by_role("button", name="Log in")
    with page.expect_response(lambda response: response.request.method == "POST"):
        button.click()

    expect(button).to_be_disabled()
    expect(button).to_have_attribute("aria-busy", "true")
