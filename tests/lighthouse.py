"""`make lighthouse` (and CI): Lighthouse's accessibility, best-practices and
SEO scores of the catalog, a product page and the cart, on the demo data.

npm's lighthouse (LIGHTHOUSE_VERSION) is installed into var/lighthouse/ the
first time and drives Debian's Chromium, headless. The cart is scored as the
demo customer with two products in it (it needs a login), through the session
cookie. Fails if any page scores below MINIMUM in any of the three.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.demo_site import CUSTOMER, demo_site  # noqa: E402

LIGHTHOUSE_VERSION = "12.2.3"
PREFIX = ROOT / "var" / "lighthouse"
LIGHTHOUSE = PREFIX / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("accessibility", "best-practices", "seo")
MINIMUM = 95

_PRODUCT_IDS = """
from catalog.models import Product
for name in ("Steam Gift Card $20", "Indie Album Download"):
    print(Product.objects.get(name=name).pk)
"""


def _install() -> None:
    installed = PREFIX / "node_modules" / "lighthouse" / "package.json"
    if installed.exists() and json.loads(installed.read_text())["version"] == LIGHTHOUSE_VERSION:
        return
    print(f"installing lighthouse@{LIGHTHOUSE_VERSION} into {PREFIX.relative_to(ROOT)}/ ...")
    PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603
        ["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "--silent"]  # noqa: S607
        + [f"lighthouse@{LIGHTHOUSE_VERSION}"],
        check=True,
    )


def _scores(url: str, headers: dict | None) -> tuple[dict[str, int], list[str]]:
    """Each category's score (0-100), and the audits that cost it points."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROMIUM_ARGS)}",
    ]
    if headers:
        command.append(f"--extra-headers={json.dumps(headers)}")
    result = subprocess.run(  # noqa: S603
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
        timeout=120,
    )
    if result.returncode != 0:
        raise SystemExit(f"lighthouse failed on {url}:\n{result.stderr[-3000:]}")
    report = json.loads(result.stdout)
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    lost = [
        f"{name}: {audit['id']}: {audit['title']}"
        for name in CATEGORIES
        for ref in report["categories"][name]["auditRefs"]
        if ref["weight"] > 0
        and (audit := report["audits"][ref["id"]])["score"] is not None
        and audit["score"] < 1
    ]
    return scores, lost


def main() -> int:
    if not CHROMIUM.exists():
        raise SystemExit(f"make lighthouse: no Chromium at {CHROMIUM}: apt-get install chromium")
    _install()
    with demo_site() as site:
        gift_card, album = site.query(_PRODUCT_IDS).split()
        customer = site.logged_in(*CUSTOMER)
        for product in (gift_card, album):
            customer.post_form("/cart/add/", {"product_id": product, "quantity": 1})
        if "Indie Album Download" not in customer.get("/cart/"):
            raise SystemExit("lighthouse: the demo customer's cart stayed empty")
        pages = [
            ("catalog", "/", None),
            ("product", f"/products/{gift_card}/", None),
            ("cart", "/cart/", {"Cookie": customer.cookie_header()}),
        ]
        failed = False
        print(f"{'page':<10}" + "".join(f"{name:>16}" for name in CATEGORIES))
        for name, path, headers in pages:
            scores, lost = _scores(site.base + path, headers)
            print(f"{name:<10}" + "".join(f"{scores[c]:>16}" for c in CATEGORIES), flush=True)
            if min(scores.values()) < MINIMUM:
                failed = True
                for line in lost:
                    print(f"    {line}")
    if failed:
        print(f"Lighthouse: a page scores below {MINIMUM} (the audits that cost points are listed)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
