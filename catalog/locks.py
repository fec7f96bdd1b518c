"""The only place catalog rows are locked. Order by pk, always: concurrent
transactions then take row locks in the same order and cannot deadlock."""

from catalog.models import Licence, ProductCode, Stock


def stock_qs_for_update():
    # The product comes along, locked too (NO KEY: order lines referencing it
    # can still be inserted). Locking it is what makes PostgreSQL re-read it when
    # the statement had to wait: a checkout that waited for a product_delete's
    # stock lock then sees the product deleted, not the copy from before it waited.
    return (
        Stock.objects.order_by("pk")
        .select_for_update(of=("self", "product"), no_key=True)
        .select_related("product")
    )


def stock_lock(*, product_ids) -> dict:
    """Lock the stock rows of these products (in pk order); must run in a
    transaction. Returns {product pk: the locked stock row}."""
    return {stock.pk: stock for stock in stock_qs_for_update().filter(pk__in=product_ids)}


def product_code_qs_for_update():
    return ProductCode.objects.order_by("pk").select_for_update()


def licence_qs_for_update():
    # Only the licence row: its product and order line, read along, stay free.
    return Licence.objects.order_by("pk").select_for_update(of=("self",))
