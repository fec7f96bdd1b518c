"""The only place catalog rows are locked. Order by pk, always: concurrent
transactions then take row locks in the same order and cannot deadlock."""

from catalog.models import Stock


def stock_qs_for_update():
    # The product comes along, read under the lock: product changes that can stop
    # a sale (deactivate, delete) lock the stock row too, so a checkout holding it
    # sees the product as it is.
    return Stock.objects.order_by("pk").select_for_update(of=("self",)).select_related("product")
