"""A product's cover image as pages and the API show it: the widths made on
upload (catalog.services.images), cut to one shape so every card lines up,
and the URLs of each in the default storage."""

from django.core.files.storage import default_storage

# Card, product page and a wide or high-density screen; each one made only
# when the upload is at least that wide (never scaled up).
WIDTHS = (320, 640, 1280)
# Width : height of every cover, 4:3.
RATIO = (4, 3)
FORMAT, EXTENSION = "WEBP", "webp"


def height_for(width: int) -> int:
    return round(width * RATIO[1] / RATIO[0])


def image_file_name(image_name: str, width: int) -> str:
    return f"{image_name}-{width}.{EXTENSION}"


def product_image(product) -> dict | None:
    """{src, srcset, width, height, files: [{width, height, url}]} of the
    product's cover, or None without one. `src` and the width and height are
    the 640 one (or the widest below it), which a browser without srcset gets."""
    if not product.image_name or not product.image_widths:
        return None
    files = [
        {
            "width": width,
            "height": height_for(width),
            "url": default_storage.url(image_file_name(product.image_name, width)),
        }
        for width in sorted(product.image_widths)
    ]
    fallback = ([file for file in files if file["width"] <= 640] or files)[-1]
    return {
        "src": fallback["url"],
        "width": fallback["width"],
        "height": fallback["height"],
        "srcset": ", ".join(f"{file['url']} {file['width']}w" for file in files),
        "files": files,
    }
