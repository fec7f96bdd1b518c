"""Demo catalog for `manage.py seed_demo`: a dozen products of three merchants,
one of them sold out."""

from catalog.models import Product
from catalog.services import product_create

DEMO_PRODUCTS = {
    # merchant email: [(name, description, price in cents, stock)]
    "merchant@example.com": [
        ("Steam Gift Card $20", "A $20 Steam wallet code, delivered instantly.", 2000, 50),
        ("Netflix Gift Card $25", "One month or more of streaming.", 2500, 40),
        ("Kassa Pro Licence (1 year)", "A licence key for one seat, valid 12 months.", 4900, 100),
        ("Photo Editor Licence", "Lifetime licence key for the desktop editor.", 2999, 25),
        ("Indie Album Download", "Lossless download of a 12-track album.", 999, 500),
        ("Limited Art Print (digital)", "Numbered high-resolution print, only 5 made.", 15000, 5),
    ],
    "games@example.com": [
        ("Game Pass Code (3 months)", "Three months of the game library.", 2999, 30),
        ("Retro Console ROM Pack", "A licensed pack of 40 classic games.", 1499, 60),
        ("Collector's Soundtrack", "The sold-out vinyl-rip edition.", 1999, 0),
    ],
    "studio@example.com": [
        ("Logo Template Bundle", "Twenty editable logo templates.", 3900, 200),
        ("Font Family Licence", "Desktop and web licence for one font family.", 5900, 100),
        ("Stock Photo Pack", "Fifty royalty-free photos in full resolution.", 2499, 150),
    ],
}


def seed_products(*, merchants: dict, stdout) -> None:
    for email, products in DEMO_PRODUCTS.items():
        merchant = merchants[email]
        for name, description, price, stock in products:
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
