"""The stock engine: how units move between available, reserved and sold, on
rows locked by catalog.locks.stock_lock, each move recorded as a StockMovement."""

from enum import Enum

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog import cache
from catalog.errors import CatalogErrorCode, stock_managed_by_codes
from catalog.events import stock_events, stock_row_events
from catalog.locks import stock_qs_for_update
from catalog.models import Product, Stock, StockMovement
from core.bulk import insert_together
from core.exceptions import ApplicationError
from events.models import Event
from events.services import events_record, events_relay_after_commit

Kind = Product.DeliveryKind


@transaction.atomic
def stock_adjust(*, product: Product, delta: int, actor: User, note: str = "") -> Stock:
    """Add (delta > 0) or remove units from sale. Locks the stock row.

    Raises ApplicationError(insufficient_stock, 409) rather than go below zero;
    stock_managed_by_codes / stock_unlimited (409) for products whose stock is
    not counted by hand.
    """
    if product.delivery_kind == Kind.CODES:
        raise stock_managed_by_codes(status=409)
    if product.unlimited_stock:
        raise ApplicationError(
            f"{product.name} is sold without a stock count; there is nothing to adjust.",
            code=CatalogErrorCode.STOCK_UNLIMITED,
            status=409,
        )
    stock = stock_qs_for_update().get(pk=product.pk)
    before = stock.available
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
    events_record(stock_row_events(stock, before=before))
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
    movements, events = [], []
    now = timezone.now()
    for product_id, units in quantities.items():
        stock = locked[product_id]
        # Unlimited stock has no count of available units: sales come from nowhere
        # and returns go nowhere, while reserved and sold are still counted.
        delta_available = 0 if stock.product.unlimited_stock else per_available * units
        before = stock.available
        stock.updated_at = now
        stock.available += delta_available
        events += stock_events(stock.product, before=before, after=stock.available)
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
    # A product that ran out tells its merchant in the same statement.
    insert_together((Event, events), (StockMovement, movements))
    if events:
        events_relay_after_commit()
    cache.invalidate_on_commit()
