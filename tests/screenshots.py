"""`make screenshots`: docs/screenshots/ taken from the demo data.

A throwaway demo site (tests/demo_site.py) is served and Debian's Chromium,
driven by Playwright, opens each page below as the demo login a person would
use, at desktop (1280 px) and phone (390 px) width. Usage:
    python tests/screenshots.py [folder]        (default docs/screenshots)
"""

import json
import sys
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE  # noqa: E402
from tests.demo_site import ADMIN, CUSTOMER, MERCHANT, demo_site  # noqa: E402

BOTH, DESKTOP_ONLY = ("desktop", "phone"), ("desktop",)
# Swagger UI lists every operation: its first screen says enough.
FIRST_SCREEN_ONLY = {"api-docs"}

# name, who is logged in, path (filled from `_demo_ids`), widths
SHOTS = [
    ("catalog", None, "/", BOTH),
    ("product", None, "/products/{gift_card}/", BOTH),
    ("api-docs", None, "/api/v1/docs/", BOTH),
    ("cart", CUSTOMER, "/cart/", BOTH),
    ("card-payment", CUSTOMER, "/orders/{pending}/pay/", BOTH),
    ("order-delivered-code", CUSTOMER, "/orders/{delivered}/", BOTH),
    ("order", CUSTOMER, "/orders/{refunded}/", BOTH),
    ("wallet", CUSTOMER, "/wallet/", BOTH),
    ("hosted-pay", CUSTOMER, "/pay/{payment_link}/", BOTH),
    ("browsable-api-deposit", CUSTOMER, "/api/v1/wallet/deposit", DESKTOP_ONLY),
    ("dashboard-overview", MERCHANT, "/dashboard/", BOTH),
    ("dashboard-sales", MERCHANT, "/dashboard/sales/", BOTH),
    ("dashboard-products", MERCHANT, "/dashboard/products/", BOTH),
    ("dashboard-product", MERCHANT, "/dashboard/products/{gift_card}/", DESKTOP_ONLY),
    ("dashboard-codes", MERCHANT, "/dashboard/products/{gift_card}/codes/", DESKTOP_ONLY),
    ("dashboard-payment-links", MERCHANT, "/dashboard/links/", DESKTOP_ONLY),
    ("dashboard-wallet", MERCHANT, "/dashboard/wallet/", BOTH),
    ("dashboard-developers-keys", MERCHANT, "/dashboard/developers/", DESKTOP_ONLY),
    ("dashboard-developers-webhooks", MERCHANT, "/dashboard/developers/webhooks/", DESKTOP_ONLY),
    (
        "dashboard-developers-deliveries",
        MERCHANT,
        "/dashboard/developers/deliveries/",
        DESKTOP_ONLY,
    ),
    ("admin-index", ADMIN, "/admin/", DESKTOP_ONLY),
]

_DEMO_IDS = """
import json
from catalog.models import Product
from orders.models import Order
from payments.models import Checkout
buyer = Order.objects.filter(buyer__email="customer@example.com")
print(json.dumps({k: str(v) for k, v in {
    "gift_card": Product.objects.get(name="Steam Gift Card $20").pk,
    "pending": buyer.filter(status=Order.Status.PAYMENT_PENDING).latest("created_at").pk,
    "delivered": buyer.exclude(items__product__delivery_kind=Product.DeliveryKind.MANUAL)
        .latest("created_at").pk,
    "refunded": buyer.filter(status=Order.Status.REFUNDED).latest("created_at").pk,
    "payment_link": Checkout.objects.get(description="Consulting invoice 1002").pk,
}.items()}))
"""


def _log_in(page, site, who) -> None:
    email, password = who
    if who == ADMIN:  # staff sign in through the admin's own form
        page.goto(f"{site.base}/admin/login/")
    else:
        page.goto(f"{site.base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if email in site.totp_keys:
        page.get_by_label("Authentication code").fill(site.code_for(email))
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _fill_cart(page, site, ids) -> None:
    """Two products in the demo customer's cart, with the demo's discount code."""
    page.goto(f"{site.base}/products/{ids['gift_card']}/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto(f"{site.base}/")
    page.get_by_role("link", name="Indie Album Download").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.goto(f"{site.base}/cart/")
    page.get_by_label("Discount code").fill("WELCOME10")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()


def _set_up_developers(page, site) -> None:
    """An API key, a webhook endpoint and its test event (in the delivery log:
    nothing sends it, the site runs no worker), made on the Developers pages."""
    page.goto(f"{site.base}/dashboard/developers/")
    page.locator("summary", has_text="Create key").click()
    page.get_by_label("Name").fill("Shop server")
    page.get_by_label("Write (products, payment links, fulfil and refund orders)").check()
    page.get_by_role("button", name="Create key").click()
    page.goto(f"{site.base}/dashboard/developers/webhooks/")
    page.locator("summary", has_text="Add endpoint").click()
    page.get_by_label("URL").fill("https://shop.example.com/kassa/webhooks")
    page.locator("fieldset input[type=checkbox]").first.check()
    page.get_by_role("button", name="Add endpoint").click()
    page.get_by_role("button", name="Send test event").click()
    page.wait_for_load_state()


def _shoot(page, url: str, path: Path, *, full_page: bool) -> None:
    response = page.goto(url)
    # A POST-only endpoint's browsable API page answers a GET with 405 and
    # draws its form.
    if response is None or (response.status >= 400 and response.status != 405):
        raise SystemExit(f"make screenshots: {url} answered {response and response.status}")
    # A page that polls (a card payment running) never goes quiet: after 3 s it
    # is drawn all the same.
    with suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=3000)
    page.screenshot(path=path, full_page=full_page)


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
    if not CHROMIUM.exists():
        raise SystemExit(f"make screenshots: no Chromium at {CHROMIUM}: apt-get install chromium")
    folder.mkdir(parents=True, exist_ok=True)
    with demo_site() as site, sync_playwright() as playwright:
        ids = json.loads(site.query(_DEMO_IDS))
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        contexts = {}
        for name, who, path, widths in SHOTS:
            if who not in contexts:
                contexts[who] = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
                page = contexts[who].new_page()
                if who is not None:
                    _log_in(page, site, who)
                if who == CUSTOMER:
                    _fill_cart(page, site, ids)
                if who == MERCHANT:
                    _set_up_developers(page, site)
            page = contexts[who].pages[0]
            for width in widths:
                page.set_viewport_size(DESKTOP if width == "desktop" else PHONE)
                target = folder / f"{name}-{width}.png"
                url = site.base + path.format(**ids)
                _shoot(page, url, target, full_page=name not in FIRST_SCREEN_ONLY)
                print(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
