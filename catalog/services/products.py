"""A merchant's listing: products made, changed and taken off sale."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.services import email_verified_check
from catalog import cache
from catalog.errors import CatalogErrorCode, stock_managed_by_codes
from catalog.locks import stock_lock
from catalog.models import Product, Stock, StockBucket, StockMovement
from core.exceptions import ApplicationError

EDITABLE_FIELDS = {
    "name",
    "description",
    "price",
    "currency",
    "is_active",
    "unlimited_stock",
    "codes_low_threshold",
    "activation_limit",
    "licence_days",
    "stock_buckets",
}
Kind = Product.DeliveryKind


def _unique_slug(name: str, product_id) -> str:
    return f"{slugify(name)[:60] or 'product'}-{product_id.hex[:8]}"


@transaction.atomic
def product_create(
    *,
    merchant: User,
    name: str,
    price: int,
    currency: str,
    stock: int,
    description: str = "",
    is_active: bool = True,
    delivery_kind: str = Kind.MANUAL,
    unlimited_stock: bool = False,
    codes_low_threshold: int | None = None,
    activation_limit: int | None = 1,
    licence_days: int | None = None,
    stock_buckets: int = 1,
) -> Product:
    """A new product with its opening stock. A codes product opens with none:
    each code uploaded is one unit (codes_add). An active one is on sale, which
    needs the merchant's email verified (email_unverified, 403)."""
    if is_active:
        email_verified_check(user=merchant)
    if delivery_kind == Kind.CODES and stock:
        raise stock_managed_by_codes()
    product = Product(
        merchant=merchant,
        name=name,
        description=description,
        price=price,
        currency=currency,
        is_active=is_active,
        delivery_kind=delivery_kind,
        unlimited_stock=unlimited_stock,
        codes_low_threshold=codes_low_threshold,
        activation_limit=activation_limit,
        licence_days=licence_days,
        stock_buckets=stock_buckets,
    )
    _check_unlimited(product)
    product.slug = _unique_slug(name, product.id)
    product.save()
    Stock.objects.create(product=product, available=stock)
    _make_buckets(product)
    if stock:
        StockMovement.objects.create(
            product=product,
            delta_available=stock,
            reason=StockMovement.Reason.INITIAL,
            actor=merchant,
        )
    cache.invalidate_on_commit()
    return product


@transaction.atomic
def product_update(*, product: Product, data: dict) -> Product:
    """Change a product's listing. Existing orders keep their own name and price.
    Putting it (back) on sale needs the merchant's email verified
    (email_unverified, 403)."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    if data.get("is_active") and not product.is_active:
        email_verified_check(user=product.merchant)
    # Waits for checkouts selling it now, and folds a flash sale's buckets back
    # into the stock row: the next sale spreads them over the new count.
    stock_lock(product_ids=[product.pk])
    for field, value in data.items():
        setattr(product, field, value)
    _check_unlimited(product)
    product.save(update_fields=[*data, "updated_at"])
    _make_buckets(product)
    cache.invalidate_on_commit()
    return product


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Soft delete: the product leaves the catalog; orders that name it keep working."""
    stock_lock(product_ids=[product.pk])  # waits for checkouts selling it now
    if product.deleted_at is None:
        product.deleted_at = timezone.now()
        product.is_active = False
        product.save(update_fields=["deleted_at", "is_active", "updated_at"])
        cache.invalidate_on_commit()


def _make_buckets(product: Product) -> None:
    """The rows a flash sale's stock is spread over, empty: the first sale
    spreads the units (catalog.services.stock)."""
    if product.stock_buckets > 1:
        StockBucket.objects.bulk_create(
            (StockBucket(product=product, index=i) for i in range(product.stock_buckets)),
            ignore_conflicts=True,
        )


def _check_unlimited(product: Product) -> None:
    if product.unlimited_stock and product.delivery_kind != Kind.DOWNLOAD:
        raise ApplicationError(
            "Only download products can be sold without a stock count.",
            code=CatalogErrorCode.WRONG_DELIVERY_KIND,
        )
    if product.unlimited_stock and product.stock_buckets > 1:
        raise ApplicationError(
            "A product sold without a stock count has no stock to spread over buckets.",
            code=CatalogErrorCode.STOCK_UNLIMITED,
        )
