"""A download product's file, kept through Django's storage API."""

import os

from django.conf import settings
from django.db import transaction

from catalog import cache
from catalog.errors import CatalogErrorCode, require_delivery_kind
from catalog.models import Product
from core.exceptions import ApplicationError

Kind = Product.DeliveryKind


def product_file_replace(*, product: Product, upload) -> Product:
    """Store (or replace) a download product's file through the storage API.

    file_too_large (413) past MAX_DOWNLOAD_BYTES. The old file is deleted once
    the new one is committed; links already issued serve the new file.
    """
    require_delivery_kind(product, Kind.DOWNLOAD)
    if upload.size > settings.MAX_DOWNLOAD_BYTES:
        raise file_too_large()
    old_name = product.download_file.name
    storage = product.download_file.storage
    product.download_file.save(upload.name, upload, save=False)
    product.download_name = os.path.basename(upload.name)[:255] or "download"
    product.download_size = upload.size
    try:
        with transaction.atomic():
            product.save(
                update_fields=["download_file", "download_name", "download_size", "updated_at"]
            )
            cache.invalidate_on_commit()
            if old_name:
                transaction.on_commit(lambda: storage.delete(old_name))
    except Exception:
        storage.delete(product.download_file.name)
        raise
    return product


def file_too_large() -> ApplicationError:
    limit = settings.MAX_DOWNLOAD_BYTES
    return ApplicationError(
        f"Files may be at most {limit // (1024 * 1024)} MB.",
        code=CatalogErrorCode.FILE_TOO_LARGE,
        status=413,
        extra={"max_bytes": limit},
    )
