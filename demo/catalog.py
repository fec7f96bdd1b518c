"""Demo catalog for `manage.py seed_demo`: a dozen products of three merchants,
one of them sold out, one sold as codes, one as licence keys and one as a
download."""

import io
import secrets
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from catalog.models import Product
from catalog.services import (
    codes_add,
    product_create,
    product_file_replace,
    product_image_replace,
)

Kind = Product.DeliveryKind
# Delivered by Kassa itself; every other demo product is fulfilled by hand.
DEMO_CODES_PRODUCT = "Steam Gift Card $20"
DEMO_DOWNLOAD_PRODUCT = "Indie Album Download"
DEMO_LICENCE_PRODUCT = "Kassa Pro Licence (1 year)"
KINDS = {
    DEMO_CODES_PRODUCT: Kind.CODES,
    DEMO_DOWNLOAD_PRODUCT: Kind.DOWNLOAD,
    DEMO_LICENCE_PRODUCT: Kind.LICENCE,
}
# Three machines per key for a year: what the demo's licence product sells.
LICENCE_TERMS = {"activation_limit": 3, "licence_days": 365}

DEMO_PRODUCTS = {
    # merchant email: [(name, description, price in cents, stock)]
    "merchant@example.com": [
        ("Steam Gift Card $20", "A $20 Steam wallet code, delivered instantly.", 2000, 50),
        ("Netflix Gift Card $25", "One month or more of streaming.", 2500, 40),
        (
            "Kassa Pro Licence (1 year)",
            "A licence key for three machines, valid 12 months.",
            4900,
            100,
        ),
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


# A few products get a cover (their initials on a colour) so the catalog shows
# both covers and the placeholders of the others.
DEMO_COVERS = {
    "Steam Gift Card $20": (23, 64, 116),
    "Netflix Gift Card $25": (155, 28, 31),
    "Indie Album Download": (90, 60, 140),
    "Game Pass Code (3 months)": (16, 124, 16),
    "Logo Template Bundle": (204, 120, 20),
    "Stock Photo Pack": (40, 110, 120),
}


def seed_products(*, merchants: dict, stdout) -> None:
    for email, products in DEMO_PRODUCTS.items():
        merchant = merchants[email]
        for name, description, price, stock in products:
            if Product.objects.filter(merchant=merchant, name=name).exists():
                continue
            kind = KINDS.get(name, Kind.MANUAL)
            product = product_create(
                merchant=merchant,
                name=name,
                description=description,
                price=price,
                currency="USD",
                stock=0 if kind == Kind.CODES else stock,
                delivery_kind=kind,
                **(LICENCE_TERMS if kind == Kind.LICENCE else {}),
            )
            if kind == Kind.CODES:
                codes_add(product=product, codes=_demo_codes(stock), actor=merchant)
            elif kind == Kind.DOWNLOAD:
                product_file_replace(product=product, upload=_demo_album())
            stdout.write(f"created product {name}")
    for product in Product.objects.filter(name__in=DEMO_COVERS, image_name=""):
        product_image_replace(product=product, upload=_demo_cover(product.name))


def _demo_cover(name: str) -> SimpleUploadedFile:
    """A plain cover: the product's initials, white on its colour."""
    cover = Image.new("RGB", (1280, 960), DEMO_COVERS[name])
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    draw = ImageDraw.Draw(cover)
    draw.text((640, 480), initials, fill="white", anchor="mm", font=ImageFont.load_default(360))
    buffer = io.BytesIO()
    cover.save(buffer, "PNG")
    return SimpleUploadedFile(f"{initials.lower()}.png", buffer.getvalue(), "image/png")


def _demo_codes(count: int) -> list[str]:
    return [
        "STEAM-" + "-".join(secrets.token_hex(2).upper() for _ in range(3)) for _ in range(count)
    ]


def _demo_album() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as album:
        tracks = "\n".join(f"{n:02d}. Track {n}" for n in range(1, 13))
        album.writestr("indie-album/tracklist.txt", tracks + "\n")
    return SimpleUploadedFile("indie-album.zip", buffer.getvalue(), "application/zip")
