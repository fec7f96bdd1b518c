"""The only place catalog rows are locked. Order by pk, always: concurrent
transactions then take row locks in the same order and cannot deadlock."""

from catalog.models import Stock


def stock_qs_for_update():
    return Stock.objects.order_by("pk").select_for_update()
