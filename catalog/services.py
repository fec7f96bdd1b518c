import os
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from catalog import cache
from catalog.errors import CatalogErrorCode
from catalog.locks import stock_qs_for_update
from catalog.models import Product, ProductCode, Stock, StockMovement
from core import crypto
from core.exceptions import ApplicationError

EDITABLE_FIELDS = {"name", "description", "price", "currency", "is_active", "unlimited_stock"}
Kind = Product.DeliveryKind
CodeState = ProductCode.State


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
) -> Product:
    """A new product with its opening stock. A codes product opens with none:
    each code uploaded is one unit (codes_add)."""
    if delivery_kind == Kind.CODES and stock:
        raise _stock_managed_by_codes()
    product = Product(
        merchant=merchant,
        name=name,
        description=description,
        price=price,
        currency=currency,
        is_active=is_active,
        delivery_kind=delivery_kind,
        unlimited_stock=unlimited_stock,
    )
    _check_unlimited(product)
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
    _check_unlimited(product)
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

    Raises ApplicationError(insufficient_stock, 409) rather than go below zero;
    stock_managed_by_codes / stock_unlimited (409) for products whose stock is
    not counted by hand.
    """
    if product.delivery_kind == Kind.CODES:
        raise _stock_managed_by_codes(status=409)
    if product.unlimited_stock:
        raise ApplicationError(
            f"{product.name} is sold without a stock count; there is nothing to adjust.",
            code=CatalogErrorCode.STOCK_UNLIMITED,
            status=409,
        )
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
    # A refunded code was seen by the buyer: it leaves the stock for good.
    BURN = (StockMovement.Reason.REFUND, 0, 0, -1)

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
        if move.source == "available" and stock.product.unlimited_stock:
            continue
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
        # Unlimited stock has no count of available units: sales come from nowhere
        # and returns go nowhere, while reserved and sold are still counted.
        delta_available = 0 if stock.product.unlimited_stock else per_available * units
        stock.updated_at = now
        stock.available += delta_available
        stock.reserved += per_reserved * units
        stock.sold += per_sold * units
        movements.append(
            StockMovement(
                product_id=product_id,
                delta_available=delta_available,
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


def _stock_managed_by_codes(status: int = 400) -> ApplicationError:
    return ApplicationError(
        "The stock of a codes product is its unsold codes: add codes to raise it, "
        "void one to lower it.",
        code=CatalogErrorCode.STOCK_MANAGED_BY_CODES,
        status=status,
    )


def _check_unlimited(product: Product) -> None:
    if product.unlimited_stock and product.delivery_kind != Kind.DOWNLOAD:
        raise ApplicationError(
            "Only download products can be sold without a stock count.",
            code=CatalogErrorCode.WRONG_DELIVERY_KIND,
        )


def _require_kind(product: Product, kind: str) -> None:
    if product.delivery_kind != kind:
        raise ApplicationError(
            f"{product.name} is delivered as '{product.delivery_kind}', not '{kind}'.",
            code=CatalogErrorCode.WRONG_DELIVERY_KIND,
            status=409,
            extra={"delivery_kind": product.delivery_kind},
        )


# --- codes: gift cards and licence keys ---------------------------------------------


@transaction.atomic
def codes_add(*, product: Product, codes: list[str], actor: User) -> dict:
    """Add codes to a codes product: each new one is one unit of available stock.

    Codes already on the product (in any state, voided included, so a burned code
    is never sold again) or repeated in the list are reported as duplicates, not
    added. Returns {"added", "duplicates", "stock"}.
    """
    _require_kind(product, Kind.CODES)
    stock = stock_lock(product_ids=[product.pk])[product.pk]
    by_fingerprint: dict[str, str] = {}
    duplicates = []
    for code in codes:
        fingerprint = crypto.fingerprint(code)
        if fingerprint in by_fingerprint:
            duplicates.append(code)
        else:
            by_fingerprint[fingerprint] = code
    known = set()
    fingerprints = list(by_fingerprint)
    for start in range(0, len(fingerprints), 1000):
        chunk = fingerprints[start : start + 1000]
        known.update(
            ProductCode.objects.filter(product=product, fingerprint__in=chunk).values_list(
                "fingerprint", flat=True
            )
        )
    duplicates.extend(by_fingerprint[fingerprint] for fingerprint in known)
    new = [
        ProductCode(product=product, ciphertext=crypto.encrypt(code), fingerprint=fingerprint)
        for fingerprint, code in by_fingerprint.items()
        if fingerprint not in known
    ]
    ProductCode.objects.bulk_create(new, batch_size=1000)
    if new:
        stock.available += len(new)
        stock.save(update_fields=["available", "updated_at"])
        StockMovement.objects.create(
            product=product,
            delta_available=len(new),
            reason=StockMovement.Reason.ADJUSTMENT,
            actor=actor,
            note=f"{len(new)} codes added",
        )
        cache.invalidate_on_commit()
    return {"added": len(new), "duplicates": duplicates, "stock": stock.available}


@transaction.atomic
def code_void(*, product: Product, code_id: int, actor: User) -> ProductCode:
    """Withdraw an unsold code from sale: it is voided and the stock drops by one.
    code_not_voidable (409) once an order holds it."""
    _require_kind(product, Kind.CODES)
    stock = stock_lock(product_ids=[product.pk])[product.pk]
    code = ProductCode.objects.get(product=product, pk=code_id)
    if code.state != CodeState.AVAILABLE:
        raise ApplicationError(
            f"Only unsold codes can be voided; this one is {code.state}.",
            code=CatalogErrorCode.CODE_NOT_VOIDABLE,
            status=409,
            extra={"state": code.state},
        )
    code.state = CodeState.VOIDED
    code.voided_at = timezone.now()
    code.save(update_fields=["state", "voided_at"])
    stock.available -= 1
    stock.save(update_fields=["available", "updated_at"])
    StockMovement.objects.create(
        product=product,
        delta_available=-1,
        reason=StockMovement.Reason.ADJUSTMENT,
        actor=actor,
        note=f"code {code.pk} voided",
    )
    cache.invalidate_on_commit()
    return code


def _codes_for_lines(lines, state: str) -> dict:
    """{line: [code ids]} of the first `quantity` codes in `state` per line's product."""
    return {
        line: list(
            ProductCode.objects.filter(product_id=line.product_id, state=state)
            .order_by("id")
            .values_list("id", flat=True)[: line.quantity]
        )
        for line in lines
    }


def codes_take(*, lines, state: str, now=None) -> None:
    """Give each order line its own available codes, one per unit, as RESERVED (a
    card order waiting for payment) or SOLD (delivered). The stock rows are locked
    by the caller, so no other order can pick the same codes."""
    for line, ids in _codes_for_lines(lines, CodeState.AVAILABLE).items():
        if len(ids) < line.quantity:  # the stock count said there were enough
            raise ApplicationError(
                f"Not enough codes left for {line.name}.",
                code=CatalogErrorCode.INSUFFICIENT_STOCK,
                status=409,
            )
        ProductCode.objects.filter(pk__in=ids).update(
            state=state,
            order_item=line,
            delivered_at=now if state == CodeState.SOLD else None,
        )


def codes_sell_reserved(*, lines, now) -> None:
    """The codes a paid card order reserved are now delivered."""
    ProductCode.objects.filter(order_item__in=lines, state=CodeState.RESERVED).update(
        state=CodeState.SOLD, delivered_at=now
    )


def codes_release(*, lines) -> None:
    """A cancelled or expired card order's codes go back on sale."""
    ProductCode.objects.filter(order_item__in=lines, state=CodeState.RESERVED).update(
        state=CodeState.AVAILABLE, order_item=None
    )


def codes_burn(*, lines, now) -> None:
    """A refunded order's delivered codes are voided, never sold again."""
    ProductCode.objects.filter(order_item__in=lines, state=CodeState.SOLD).update(
        state=CodeState.VOIDED, voided_at=now
    )


# --- downloads ---------------------------------------------------------------------------


def product_file_replace(*, product: Product, upload) -> Product:
    """Store (or replace) a download product's file through the storage API.

    file_too_large (413) past MAX_DOWNLOAD_BYTES. The old file is deleted once
    the new one is committed; links already issued serve the new file.
    """
    _require_kind(product, Kind.DOWNLOAD)
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
