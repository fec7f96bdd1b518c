"""What every page must pass, looked at as a person with a browser would."""

from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS

_axe = Axe()
# On a phone the page starts under one row of header: the cart and "Menu"
# (the links wrapped to about 270 px before).
PHONE_HEADER_MAX = 100


def _serious_violations(page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in _axe.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _sideways_scroll(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def check_page(page, *, screenshot: str | None = None) -> None:
    """No serious or critical axe violation, exactly one h1, no sideways scroll
    at 390 px; with `screenshot`, saves it at desktop and phone width."""
    assert _serious_violations(page) == [], page.url
    assert page.locator("h1").count() == 1, page.url
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{screenshot}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    try:
        overflow = _sideways_scroll(page)
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"
        if screenshot:
            page.screenshot(path=SCREENSHOTS / f"{screenshot}-phone.png", full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


def check_phone_page(page, *, header: bool = True) -> None:
    """At 390 px: no serious or critical axe violation, exactly one h1, no
    sideways scroll; with `header` (Kassa's own pages), the header is one row,
    not rows of links above the content."""
    page.set_viewport_size(PHONE)
    try:
        assert _serious_violations(page) == [], f"{page.url} at 390px"
        assert page.locator("h1").count() == 1, page.url
        overflow = _sideways_scroll(page)
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"
        if header:
            height = page.locator("body > header").bounding_box()["height"]
            assert height <= PHONE_HEADER_MAX, f"{page.url}: a {height}px header at 390px"
    finally:
        page.set_viewport_size(DESKTOP)


def log_in(page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
