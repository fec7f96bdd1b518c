"""The stock engine: how units move between available, reserved and sold, on
rows locked by catalog.locks.stock_lock, each move recorded as a StockMovement."""

import random
from enum import Enum

from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from accounts.models import User
from catalog import cache
from catalog.errors import CatalogErrorCode, stock_managed_by_codes
from catalog.events import stock_events, stock_row_events
from catalog.locks import stock_buckets_lock, stock_lock, stock_lock_for_spreading
from catalog.models import Product, Stock, StockBucket, StockMovement
from core.bulk import insert_from_sql, insert_together
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
    stock = stock_lock(product_ids=[product.pk])[product.pk]
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
        raise _insufficient_stock(short)
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


def stock_take(
    *,
    products: dict,
    quantities: dict,
    move: StockMove,
    actor: User | None,
    reference: str,
    names: dict,
    with_events=(),
) -> None:
    """Take `quantities` ({product pk: units}) from available for a sale or a
    card reservation: one conditional UPDATE per product, in pk order, that
    holds the row from its own statement to COMMIT, so call it last (see
    core.transactions.last_write). The product is re-read, locked FOR SHARE, in
    the same statement: a product deactivated, deleted or left without its
    file by a transaction that committed while this one waited is not sold.

    The same statement writes the product's StockMovement and, for the last
    product, `with_events` (the change's events), once its row is locked: two
    sales of one product then write theirs in the order they commit, which is
    the order the relay numbers events in (events.services.relay); of a product
    spread over buckets, only the sales that take the same bucket. A spread
    product's sale takes from one bucket at random (docs/scaling.md).
    products: {pk: Product} as the caller read them (merchant, name, delivery
    kind, unlimited_stock, codes_low_threshold, stock_buckets). Raises
    insufficient_stock or product_unavailable (409), listing every product
    concerned; the caller's transaction then rolls back."""
    if move not in (StockMove.SELL, StockMove.RESERVE):
        raise ValueError(f"{move} does not take from available")
    reason, _, per_reserved, per_sold = move.value
    now = timezone.now()
    order = sorted(quantities)
    stock_events_due = []
    with connection.cursor() as cursor:
        for product_id in order:
            units, product = quantities[product_id], products[product_id]
            take = 0 if product.unlimited_stock else units
            key = Product._meta.pk.get_db_prep_value(product_id, connection)
            params = [take, per_reserved * units, per_sold * units]
            params += [connection.ops.adapt_datetimefield_value(now), key, take]
            params += [key, product.unlimited_stock, product.stock_buckets, Kind.DOWNLOAD]
            movement = StockMovement(
                product_id=product_id,
                delta_available=-take,
                delta_reserved=per_reserved * units,
                delta_sold=per_sold * units,
                reason=reason,
                actor=actor,
                reference=reference,
                created_at=now,
            )
            rows = [(StockMovement, [movement])]
            if product_id == order[-1]:
                rows.append((Event, list(with_events)))
            spread = product.stock_buckets > 1 and take
            row = None
            if spread:
                # A flash sale: one bucket at random, and no other row of the product.
                # A take that finds its bucket short can still hold it (PostgreSQL
                # keeps the lock of a row it waited for and then found changed):
                # rolled back to before it, it waits for the stock row with nothing
                # of this product held, as the sale that spreads the stock needs.
                bucket = random.randrange(product.stock_buckets)  # noqa: S311 (not a secret)
                savepoint = connection.vendor == "postgresql"
                if savepoint:
                    cursor.execute(f"SAVEPOINT {_BUCKET_TAKE}")
                cursor.execute(*_take_statement(params, rows, bucket))
                row = cursor.fetchone()
                if row is None and savepoint:
                    cursor.execute(f"ROLLBACK TO SAVEPOINT {_BUCKET_TAKE}")
            if row is None:
                before = _spread(product_id, take) if spread else None
                cursor.execute(*_take_statement(params, rows))
                row = cursor.fetchone()
                if row is None:
                    _refuse(product_id, products, quantities, names)
                # The product's own count, not its stock row's alone.
                after = row[0] if before is None else before - take
                stock_events_due += stock_events(product, before=after + take, after=after)
            if connection.vendor != "postgresql":
                insert_together(*rows)
    # The last units went, or codes fell below the merchant's threshold: after
    # the sale's own events.
    insert_together((Event, stock_events_due))
    if with_events or stock_events_due:
        events_relay_after_commit()
    cache.invalidate_on_commit()


def _spread(product_id, take: int) -> int:
    """Lock a flash-sale product's stock row and buckets, leave in the row what
    this sale takes plus a reserve, and spread the rest of the available units
    evenly over the buckets the product has now. Returns the units the product
    had available.

    The reserve (one unit, or as many as the low-codes threshold) means a sale
    from a bucket never takes the last unit nor crosses the threshold: those
    sales come here, where the product's count is known and its events right.
    Moving units between its rows leaves the product's counts as they were: no
    movement is recorded."""
    stock = stock_lock_for_spreading(product_id=product_id)
    buckets = stock_buckets_lock(product_id=product_id)
    product, pool = stock.product, stock.available + sum(b.available for b in buckets)
    count = product.stock_buckets
    # Spread no more once the merchant set one row (its buckets are emptied below).
    short = pool < take or count == 1
    spread = 0 if short else max(pool - take - max(1, product.codes_low_threshold or 0), 0)
    shares = [spread // count + (1 if index < spread % count else 0) for index in range(count)]
    have = {bucket.index for bucket in buckets}
    StockBucket.objects.bulk_create(
        StockBucket(product_id=product_id, index=index, available=shares[index])
        for index in range(count)
        if index not in have
    )
    if have:
        StockBucket.objects.filter(product_id=product_id).update(
            available=Case(
                *(When(index=index, then=Value(shares[index])) for index in have if index < count),
                default=Value(0),
            )
        )
    Stock.objects.filter(pk=product_id).update(available=pool - spread)
    return pool


_BUCKET_TAKE = "kassa_bucket_take"
# The product as the checkout read it: on sale, and counted and spread as then
# (a take from a product whose stock_buckets changed meanwhile takes nothing).
_PRODUCT_ON_SALE = (
    "is_active AND deleted_at IS NULL AND unlimited_stock = %s AND stock_buckets = %s "
    "AND (delivery_kind <> %s OR COALESCE(download_file, '') <> '')"
)


def _take_statement(params: list, rows: list, bucket: int | None = None) -> tuple[str, list]:
    """The take from the product's stock row or, given one, from that bucket.
    The product is locked FOR SHARE before the row, as by every sale."""
    quote = connection.ops.quote_name
    table = StockBucket if bucket is not None else Stock
    stock, product = quote(table._meta.db_table), quote(Product._meta.db_table)
    one_bucket = ' AND "index" = %s' if bucket is not None else ""
    # On SQLite the first write of a transaction already serialises every other.
    share = " FOR SHARE" if connection.features.has_select_for_update else ""
    # Only the models' own table names are formatted in; every value is a parameter.
    update = (
        f"UPDATE {stock} SET available = available - %s, reserved = reserved + %s, "  # noqa: S608
        f"sold = sold + %s, updated_at = %s WHERE product_id = %s{one_bucket} "
        "AND available >= %s AND EXISTS ("
        f"SELECT 1 FROM {product} WHERE id = %s AND {_PRODUCT_ON_SALE}{share}) "
        "RETURNING available"
    )
    if bucket is not None:
        params = [*params[:5], bucket, *params[5:]]
    return _with_rows(update, params, rows)


def _with_rows(update: str, params: list, rows: list) -> tuple[str, list]:
    """The take, and on PostgreSQL the rows written only if it took (the
    movement, the events) in the same statement."""
    if connection.vendor != "postgresql":
        return update, params
    ctes = [f'"taken" AS ({update})']
    for index, (model, objs) in enumerate(batch for batch in rows if batch[1]):
        insert, insert_params = insert_from_sql('"taken"', model, objs, connection.alias)
        ctes.append(f'"rows_{index}" AS ({insert})')
        params = [*params, *insert_params]
    return f'WITH {", ".join(ctes)} SELECT available FROM "taken"', params  # noqa: S608


def _refuse(refused, products: dict, quantities: dict, names: dict):
    """Why the take of `refused` found no row, read after the statement that
    refused it, for every product of the order."""
    rows = {
        row.pk: row for row in Stock.objects.filter(pk__in=quantities).select_related("product")
    }
    gone = [str(pid) for pid in quantities if not rows[pid].product.is_purchasable]
    if gone:
        raise ApplicationError(
            f"These products are no longer sold: {', '.join(gone)}.",
            code=CatalogErrorCode.PRODUCT_UNAVAILABLE,
            extra={"product_ids": gone},
        )
    # Counted or spread otherwise since the checkout read them: what it took
    # to be on offer is not what is on offer now.
    changed = [
        str(pid)
        for pid in quantities
        if (rows[pid].product.unlimited_stock, rows[pid].product.stock_buckets)
        != (products[pid].unlimited_stock, products[pid].stock_buckets)
    ]
    if changed:
        raise ApplicationError(
            f"These products changed while you were checking out: {', '.join(changed)}. Try again.",
            code=CatalogErrorCode.PRODUCT_UNAVAILABLE,
            extra={"product_ids": changed},
        )
    available = {pid: rows[pid].product.stock_counts.available for pid in quantities}
    short = [
        {
            "product_id": str(pid),
            "name": names.get(pid, ""),
            "requested": units,
            "available": available[pid],
        }
        for pid, units in quantities.items()
        # The refused one is listed even if units came back since its statement.
        if pid == refused or (not products[pid].unlimited_stock and available[pid] < units)
    ]
    raise _insufficient_stock(short)


def _insufficient_stock(short: list[dict]) -> ApplicationError:
    """short: [{product_id, name, requested, available}], every product short."""
    listed = ", ".join(line["name"] or line["product_id"] for line in short)
    return ApplicationError(
        f"Not enough stock for: {listed}.",
        code=CatalogErrorCode.INSUFFICIENT_STOCK,
        status=409,
        extra={"products": short},
    )
