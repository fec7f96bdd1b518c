"""Browser journeys: pytest-playwright driving Debian's Chromium against
pytest-django's live_server. No browser is downloaded: without /usr/bin/chromium
these tests skip, saying why (.ci/run installs it)."""

import os
import tempfile
from pathlib import Path

import pytest

# live_server runs Django in a thread of this process; Playwright's sync API
# runs an event loop in it too, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The journeys' screenshots (test fixtures) go to a temporary folder for review, or
# KASSA_SCREENSHOTS; docs/screenshots/ shows the demo data, by `make screenshots`.
SCREENSHOTS = Path(
    os.environ.get("KASSA_SCREENSHOTS") or Path(tempfile.gettempdir()) / "kassa-screenshots"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: apt-get install chromium")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url, "viewport": DESKTOP}


@pytest.fixture
def csp_violations(page):
    """Console errors that say the Content-Security-Policy blocked something."""
    seen = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return seen
