from django.db.models import Q
from django.http import Http404

from accounts.models import User
from payments.models import Checkout, Payment


def payment_get_visible(*, user: User, payment_id) -> Payment:
    """The payment if `user` paid it, received it (a merchant of the order or the
    checkout's merchant), or is an admin; otherwise Http404."""
    queryset = Payment.objects.prefetch_related("attempts")
    if not user.is_admin:
        queryset = queryset.filter(
            Q(payer=user) | Q(order__items__merchant=user) | Q(checkout__merchant=user)
        ).distinct()
    payment = queryset.filter(pk=payment_id).first()
    if payment is None:
        raise Http404
    return payment


def checkout_get(*, checkout_id) -> Checkout:
    checkout = Checkout.objects.select_related("merchant").filter(pk=checkout_id).first()
    if checkout is None:
        raise Http404
    return checkout


def payment_list_for_order(*, order) -> list[Payment]:
    """The order's payments, newest first, with their attempts."""
    return list(order.payments.prefetch_related("attempts").order_by("-created_at"))


def payment_failed_count_for_merchant(*, merchant: User, since) -> int:
    """Payments to this merchant (their order lines or checkouts) that failed since `since`."""
    return (
        Payment.objects.filter(status=Payment.Status.FAILED, updated_at__gte=since)
        .filter(Q(order__items__merchant=merchant) | Q(checkout__merchant=merchant))
        .distinct()
        .count()
    )


def checkout_list_for_merchant(*, merchant: User):
    return (
        Checkout.objects.filter(merchant=merchant)
        .prefetch_related("payments")
        .order_by("-created_at")
    )
