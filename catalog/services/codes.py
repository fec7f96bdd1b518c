"""Codes: gift cards and licence keys, one per unit, encrypted at rest."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog import cache
from catalog.errors import CatalogErrorCode, require_delivery_kind
from catalog.events import stock_row_events
from catalog.locks import product_code_qs_for_update, stock_lock
from catalog.models import Product, ProductCode, StockMovement
from core import crypto
from core.exceptions import ApplicationError
from events.services import events_record

Kind = Product.DeliveryKind
CodeState = ProductCode.State


@transaction.atomic
def codes_add(*, product: Product, codes: list[str], actor: User) -> dict:
    """Add codes to a codes product: each new one is one unit of available stock.

    Codes already on the product (in any state, voided included, so a burned code
    is never sold again) or repeated in the list are reported as duplicates, not
    added. Returns {"added", "duplicates", "stock"}.
    """
    require_delivery_kind(product, Kind.CODES)
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
    require_delivery_kind(product, Kind.CODES)
    # The code before the stock, in the order a checkout takes them.
    code = product_code_qs_for_update().get(product=product, pk=code_id)
    stock = stock_lock(product_ids=[product.pk])[product.pk]
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
    events_record(stock_row_events(stock, before=stock.available + 1))
    cache.invalidate_on_commit()
    return code


def codes_take(*, lines, state: str, now=None) -> None:
    """Give each order line its own available codes, one per unit, as RESERVED (a
    card order waiting for payment) or SOLD (delivered): one UPDATE per line of
    the first available codes no other transaction holds (SKIP LOCKED), so two
    orders never pick the same code and neither waits on the other. Taken
    before the stock, whose count then decides; insufficient_stock (409) if
    fewer codes than units are free."""
    for line in lines:
        free = (
            ProductCode.objects.select_for_update(skip_locked=True)
            .filter(product_id=line.product_id, state=CodeState.AVAILABLE)
            .order_by("id")
            .values("id")[: line.quantity]
        )
        taken = ProductCode.objects.filter(pk__in=free).update(
            state=state,
            order_item=line,
            delivered_at=now if state == CodeState.SOLD else None,
        )
        if taken < line.quantity:
            raise ApplicationError(
                f"Not enough codes left for {line.name}.",
                code=CatalogErrorCode.INSUFFICIENT_STOCK,
                status=409,
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
