from datetime import timedelta

from django.db.models import Q
from django.http import Http404

from accounts.models import User
from payments.errors import PaymentErrorCode
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


def payment_exhausted_list(*, limit: int = 10) -> list[Payment]:
    """The dead letters: payments whose retries ran out, newest first."""
    return list(
        Payment.objects.filter(
            status=Payment.Status.FAILED, failure_code=PaymentErrorCode.RETRIES_EXHAUSTED
        )
        .select_related("payer")
        .order_by("-updated_at")[:limit]
    )


def payment_health(*, now, stuck_after) -> dict:
    """What the staff's admin index shows about payments right now."""
    live = [Payment.Status.PENDING, Payment.Status.PROCESSING]
    return {
        "failed_24h": Payment.objects.filter(
            status=Payment.Status.FAILED, updated_at__gte=now - timedelta(hours=24)
        ).count(),
        "stuck": Payment.objects.filter(status__in=live, updated_at__lt=now - stuck_after).count(),
        "exhausted": Payment.objects.filter(
            status=Payment.Status.FAILED, failure_code=PaymentErrorCode.RETRIES_EXHAUSTED
        ).count(),
    }
