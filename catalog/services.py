from enum import Enum

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from catalog import cache
from catalog.errors import CatalogErrorCode
from catalog.locks import stock_qs_for_update
from catalog.models import Product, Stock, StockMovement
from core.exceptions import ApplicationError

EDITABLE_FIELDS = {"name", "description", "price", "currency", "is_active"}


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
) -> Product:
    product = Product(
        merchant=merchant,
        name=name,
        description=description,
        price=price,
        currency=currency,
        is_active=is_active,
    )
    product.slug = _unique_slug(name, product.id)
    product.save()
    Stock.objects.create(product=product, available=stock)
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
    """Change a product's listing. Existing orders keep their own name and price."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    stock_lock(product_ids=[product.pk])  # waits for checkouts selling it now
    for field, value in data.items():
        setattr(product, field, value)
    product.save(update_fields=[*data, "updated_at"])
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


@transaction.atomic
def stock_adjust(*, product: Product, delta: int, actor: User, note: str = "") -> Stock:
    """Add (delta > 0) or remove units from sale. Locks the stock row.

    Raises ApplicationError(insufficient_stock, 409) rather than go below zero.
    """
    stock = stock_qs_for_update().get(pk=product.pk)
    if stock.available + delta < 0:
        raise ApplicationError(
            f"Only {stock.available} units of {product.name} are available.",
            code=CatalogErrorCode.INSUFFICIENT_STOCK,
            status=409,
            extra={"product_id": str(product.pk), "available": stock.available},
        )
    stock.available += delta
    stock.save(update_fields=["available", "updated_at"])
    StockMovement.objects.create(
        product=product,
        delta_available=delta,
        reason=StockMovement.Reason.ADJUSTMENT,
        actor=actor,
        note=note,
    )
    cache.invalidate_on_commit()
    return stock


class StockMove(Enum):
    """How one unit moves between available, reserved and sold, and why."""

    SELL = (StockMovement.Reason.SALE, -1, 0, 1)
    RESERVE = (StockMovement.Reason.RESERVATION, -1, 1, 0)
    RELEASE = (StockMovement.Reason.RELEASE, 1, -1, 0)
    SELL_RESERVED = (StockMovement.Reason.SALE, 0, -1, 1)
    RETURN = (StockMovement.Reason.REFUND, 1, 0, -1)

    @property
    def source(self) -> str:
        """The bucket units leave: the one whose delta is negative."""
        _, available, reserved, _sold = self.value
        return "available" if available < 0 else "reserved" if reserved < 0 else "sold"


def stock_lock(*, product_ids) -> dict:
    """Lock the stock rows of these products (in pk order); must run in a transaction."""
    return {stock.pk: stock for stock in stock_qs_for_update().filter(pk__in=product_ids)}


def stock_apply(
    *,
    locked: dict,
    quantities: dict,
    move: StockMove,
    actor: User | None,
    reference: str = "",
    names: dict | None = None,
) -> None:
    """Move `quantities` ({product_id: units}) on stock rows locked by stock_lock().

    Checks every line before writing any, and raises insufficient_stock (409)
    listing each short product, so a failed checkout writes nothing.
    """
    reason, per_available, per_reserved, per_sold = move.value
    short = []
    for product_id, units in quantities.items():
        stock = locked[product_id]
        source = getattr(stock, move.source)
        if source < units:
            short.append(
                {
                    "product_id": str(product_id),
                    "name": (names or {}).get(product_id, ""),
                    "requested": units,
                    "available": source,
                }
            )
    if short:
        listed = ", ".join(line["name"] or line["product_id"] for line in short)
        raise ApplicationError(
            f"Not enough stock for: {listed}.",
            code=CatalogErrorCode.INSUFFICIENT_STOCK,
            status=409,
            extra={"products": short},
        )
    movements = []
    now = timezone.now()
    for product_id, units in quantities.items():
        stock = locked[product_id]
        stock.updated_at = now
        stock.available += per_available * units
        stock.reserved += per_reserved * units
        stock.sold += per_sold * units
        movements.append(
            StockMovement(
                product_id=product_id,
                delta_available=per_available * units,
                delta_reserved=per_reserved * units,
                delta_sold=per_sold * units,
                reason=reason,
                actor=actor,
                reference=reference,
            )
        )
    for product_id in quantities:
        stock = locked[product_id]
        Stock.objects.filter(pk=product_id).update(
            available=stock.available,
            reserved=stock.reserved,
            sold=stock.sold,
            updated_at=now,
        )
    StockMovement.objects.bulk_create(movements)
    cache.invalidate_on_commit()
