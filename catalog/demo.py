"""Demo catalog for `manage.py seed_demo`."""

from catalog.models import Product
from catalog.services import product_create

DEMO_PRODUCTS = [
    # name, description, price in cents, stock
    ("Steam Gift Card $20", "A $20 Steam wallet code, delivered instantly.", 2000, 50),
    ("Netflix Gift Card $25", "One month or more of streaming.", 2500, 40),
    ("Kassa Pro Licence (1 year)", "A licence key for one seat, valid 12 months.", 4900, 100),
    ("Photo Editor Licence", "Lifetime licence key for the desktop editor.", 2999, 25),
    ("Indie Album Download", "Lossless download of a 12-track album.", 999, 500),
    ("Limited Art Print (digital)", "Numbered high-resolution print, only 5 made.", 15000, 5),
]


def seed_products(*, merchant, stdout) -> None:
    for name, description, price, stock in DEMO_PRODUCTS:
        if Product.objects.filter(merchant=merchant, name=name).exists():
            continue
        product_create(
            merchant=merchant,
            name=name,
            description=description,
            price=price,
            currency="USD",
            stock=stock,
        )
        stdout.write(f"created product {name}")
