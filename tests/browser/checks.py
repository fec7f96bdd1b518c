"""What every page must pass, looked at as a person with a browser would."""

from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS

_axe = Axe()


def check_page(page, *, screenshot: str | None = None) -> None:
    """No serious or critical axe violation, exactly one h1, no sideways scroll
    at 390 px; with `screenshot`, saves it at desktop and phone width."""
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in _axe.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert violations == [], page.url
    assert page.locator("h1").count() == 1, page.url
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{screenshot}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    try:
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"
        if screenshot:
            page.screenshot(path=SCREENSHOTS / f"{screenshot}-phone.png", full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


def log_in(page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
