"""The demo discount code for `manage.py seed_demo`: WELCOME10, 10 % off the
demo merchant's products (docs/storefront.md "Discount codes")."""

from orders.models import Discount
from orders.services.discounts import discount_create

DEMO_CODE = "WELCOME10"


def seed_discounts(*, merchant, stdout) -> None:
    if Discount.objects.filter(code__iexact=DEMO_CODE).exists():
        return
    discount_create(merchant=merchant, code=DEMO_CODE, percent_off=10, max_redemptions=1000)
    stdout.write(f"created discount code {DEMO_CODE} (10 % off merchant@example.com's products)")
