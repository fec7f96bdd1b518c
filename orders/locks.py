from orders.models import Order


def order_qs_for_update():
    # of=("self",): lock the order row only, never the joined buyer.
    return Order.objects.order_by("pk").select_for_update(of=("self",))
