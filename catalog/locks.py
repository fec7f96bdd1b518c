"""The only place catalog rows are locked. Order by pk, always: concurrent
transactions then take row locks in the same order and cannot deadlock. Of one
product: the product row first (FOR SHARE by a sale, NO KEY UPDATE by a change
to its stock or to it), then its stock row, then its buckets by index; a sale
from a bucket holds the product FOR SHARE and that bucket alone."""

from django.db import connection

from catalog.models import Licence, Product, ProductCode, Stock, StockBucket


def stock_lock(*, product_ids) -> dict:
    """Lock the stock rows of these products (in pk order); must run in a
    transaction. Returns {product pk: the locked stock row}.

    Each product row is locked first (NO KEY: order lines referencing it can
    still be inserted), then its stock row: the order every sale takes them
    in, the product FOR SHARE in the stock's own statement (catalog.services.
    stock). Locking the product is also what makes PostgreSQL re-read it when
    the statement had to wait: a cancel that waited for a product_update sees
    the product as changed, not the copy from before it waited.

    A product whose stock is spread over buckets has them folded back into its
    stock row, so every count on the row returned is the product's (the next
    sale spreads them again). No sale holds a bucket without the product
    locked FOR SHARE, so the buckets are free by now."""
    stocks = (
        Stock.objects.filter(pk__in=product_ids)
        .order_by("pk")
        .select_related("product")
        # PostgreSQL locks each row's tables in the order OF names them.
        .select_for_update(of=("product", "self"), no_key=True)
    )
    locked = {stock.pk: stock for stock in stocks}
    stock_buckets_fold([stock for stock in locked.values() if stock.product.stock_buckets > 1])
    return locked


def stock_lock_for_spreading(*, product_id) -> Stock:
    """The product FOR SHARE (as a sale holds it: sales go on, changes to it
    wait), then its stock row: what a sale spreading the stock over its
    buckets holds before it locks them."""
    product_share_lock(product_id=product_id)
    return (
        Stock.objects.select_related("product").select_for_update(of=("self",)).get(pk=product_id)
    )


def product_share_lock(*, product_id) -> None:
    if not connection.features.has_select_for_update:
        return  # SQLite: the first write of a transaction already serialises every other
    table = connection.ops.quote_name(Product._meta.db_table)
    key = Product._meta.pk.get_db_prep_value(product_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE", [key])  # noqa: S608


def stock_buckets_lock(*, product_id) -> list[StockBucket]:
    """The product's buckets, locked by index: only with its stock row locked."""
    return list(
        StockBucket.objects.filter(product_id=product_id).order_by("index").select_for_update()
    )


def stock_buckets_fold(stocks) -> None:
    """Move every bucket's counts of these locked stock rows into the rows."""
    for stock in stocks:
        buckets = [b for b in stock_buckets_lock(product_id=stock.pk) if _holds_units(b)]
        if not buckets:
            continue
        for name in ("available", "reserved", "sold"):
            setattr(stock, name, getattr(stock, name) + sum(getattr(b, name) for b in buckets))
        StockBucket.objects.filter(pk__in=[b.pk for b in buckets]).update(
            available=0, reserved=0, sold=0
        )
        Stock.objects.filter(pk=stock.pk).update(
            available=stock.available, reserved=stock.reserved, sold=stock.sold
        )


def _holds_units(bucket: StockBucket) -> bool:
    return bool(bucket.available or bucket.reserved or bucket.sold)


def product_code_qs_for_update():
    return ProductCode.objects.order_by("pk").select_for_update()


def licence_qs_for_update():
    # Only the licence row: its product and order line, read along, stay free.
    return Licence.objects.order_by("pk").select_for_update(of=("self",))
