from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from orders.models import Order, OrderEvent, OrderItem


def _with_items(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))


def _sells_in(merchant: User):
    return Exists(OrderItem.objects.filter(order=OuterRef("pk"), merchant=merchant))


def order_list_for_buyer(*, buyer: User, status: str | None = None) -> QuerySet[Order]:
    queryset = Order.objects.filter(buyer=buyer)
    if status:
        queryset = queryset.filter(status=status)
    return _with_items(queryset.order_by("-created_at", "id"))


def order_list_for_merchant(*, merchant: User, status: str | None = None) -> QuerySet[Order]:
    queryset = Order.objects.filter(_sells_in(merchant))
    if status:
        queryset = queryset.filter(status=status)
    return _with_items(queryset.order_by("-created_at", "id"))


def order_get_visible(*, user: User, order_id) -> Order:
    """The order if `user` is its buyer, a merchant with a line in it, or an admin.

    Anyone else gets Http404, so the existence of others' orders never shows.
    """
    queryset = Order.objects.all()
    if not user.is_admin:
        queryset = queryset.filter(Q(buyer=user) | _sells_in(user))
    order = _with_items(queryset).filter(pk=order_id).first()
    if order is None:
        raise Http404
    return order


def order_merchant_ids(*, order: Order) -> set:
    return {item.merchant_id for item in order.items.all()}


def order_event_list(*, order: Order) -> QuerySet[OrderEvent]:
    return order.events.order_by("id")
