from orders.models import Order, OrderItem


def order_qs_for_update():
    # of=("self",): lock the order row only, never the joined buyer.
    return Order.objects.order_by("pk").select_for_update(of=("self",))


def order_item_qs_for_update():
    # No of=: the order and product a caller joins are locked with the line,
    # so a refund of the order cannot commit between the caller's check of its
    # status and what it writes.
    return OrderItem.objects.order_by("pk").select_for_update()
