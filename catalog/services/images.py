"""A product's cover image: checked and cut into fixed widths with Pillow on
upload, kept in the default storage (public: the catalog shows it to anyone)."""

import io
import uuid
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from catalog import cache
from catalog.errors import CatalogErrorCode
from catalog.images import FORMAT, RATIO, WIDTHS, height_for, image_file_name
from catalog.models import Product
from core.exceptions import ApplicationError

# What browsers show and Pillow reads safely; anything else is refused.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def product_image_replace(*, product: Product, upload) -> Product:
    """Make the covers of `upload` (WIDTHS, 4:3, WebP) and make them the
    product's; the old ones are deleted once this commits. image_too_large
    (413) past MAX_IMAGE_BYTES or MAX_IMAGE_PIXELS, image_invalid (400) when
    Pillow cannot read it as an image."""
    if upload.size > settings.MAX_IMAGE_BYTES:
        raise image_too_large()
    covers = image_covers(upload)
    name = f"images/products/{product.pk}/{uuid.uuid4().hex[:16]}"
    saved: list[str] = []
    old_name, old_widths = product.image_name, list(product.image_widths)
    try:
        for width, content in covers.items():
            saved.append(default_storage.save(image_file_name(name, width), ContentFile(content)))
        with transaction.atomic():
            product.image_name, product.image_widths = name, list(covers)
            product.save(update_fields=["image_name", "image_widths", "updated_at"])
            cache.invalidate_on_commit()
            if old_name:
                transaction.on_commit(lambda: _delete_covers(old_name, old_widths))
    except Exception:
        for stored in saved:
            default_storage.delete(stored)
        raise
    return product


@transaction.atomic
def product_image_remove(*, product: Product) -> Product:
    """The product goes back to its placeholder; repeating it is a no-op."""
    if product.image_name:
        old_name, old_widths = product.image_name, list(product.image_widths)
        product.image_name, product.image_widths = "", []
        product.save(update_fields=["image_name", "image_widths", "updated_at"])
        cache.invalidate_on_commit()
        transaction.on_commit(lambda: _delete_covers(old_name, old_widths))
    return product


def image_covers(upload) -> dict[int, bytes]:
    """{width: WebP bytes} of the upload cut to RATIO around its centre, in
    each of WIDTHS it is wide enough for (its own width when narrower than all)."""
    with _open_checked(upload) as source:
        image = ImageOps.exif_transpose(source)
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        # The widest 4:3 cut the picture holds: the covers are never scaled up.
        widest = min(image.width, image.height * RATIO[0] // RATIO[1])
        widths = [width for width in WIDTHS if width <= widest] or [max(widest, 1)]
        covers = {}
        for width in widths:
            cover = ImageOps.fit(
                image, (width, max(height_for(width), 1)), Image.Resampling.LANCZOS
            )
            out = io.BytesIO()
            cover.save(out, FORMAT, quality=82, method=4)
            covers[width] = out.getvalue()
    return covers


def _open_checked(upload) -> Image.Image:
    """The upload decoded, after Pillow has verified it and its size has been
    read from its header alone, before any pixel is decoded."""
    try:
        with warnings.catch_warnings():
            # Past Pillow's own limit it warns, then refuses at twice it; the
            # setting below is lower, so the warning is only noise here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise image_invalid()
                if probe.width * probe.height > settings.MAX_IMAGE_PIXELS:
                    raise image_too_large()
                probe.verify()
            # verify() leaves the image unusable: open it again to decode.
            upload.seek(0)
            image = Image.open(upload)
            image.load()
            return image
    except Image.DecompressionBombError as bomb:
        raise image_too_large() from bomb
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as unreadable:
        raise image_invalid() from unreadable


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _delete_covers(name: str, widths: list[int]) -> None:
    for width in widths:
        default_storage.delete(image_file_name(name, width))


def image_invalid() -> ApplicationError:
    return ApplicationError(
        "This file is not an image Kassa can use: upload a JPEG, PNG, WebP or GIF.",
        code=CatalogErrorCode.IMAGE_INVALID,
        extra={"formats": sorted(ACCEPTED_FORMATS)},
    )


def image_too_large() -> ApplicationError:
    limit = settings.MAX_IMAGE_BYTES
    megapixels = settings.MAX_IMAGE_PIXELS // 1_000_000
    return ApplicationError(
        f"Images may be at most {limit // (1024 * 1024)} MB and {megapixels} megapixels.",
        code=CatalogErrorCode.IMAGE_TOO_LARGE,
        status=413,
        extra={"max_bytes": limit, "max_pixels": settings.MAX_IMAGE_PIXELS},
    )
