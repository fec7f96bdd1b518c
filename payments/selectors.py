from datetime import timedelta

from django.db.models import Q
from django.http import Http404

from accounts.models import User
from orders.models import DeliveryAccess, OrderEvent
from payments.errors import PaymentErrorCode
from payments.models import Checkout, Dispute, Payment


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


def checkout_failed_payment_of(*, checkout: Checkout, payer: User) -> Payment | None:
    """`payer`'s last payment of this checkout if it failed."""
    last = checkout.payments.filter(payer=payer).order_by("-created_at").first()
    return last if last is not None and last.status == Payment.Status.FAILED else None


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


def dispute_list_for_merchant(*, merchant: User):
    """Disputes of card payments this merchant received (order lines or a payment
    link), newest first."""
    return (
        Dispute.objects.filter(
            Q(payment__order__items__merchant=merchant) | Q(payment__checkout__merchant=merchant)
        )
        .select_related("payment", "payment__order", "payment__checkout")
        .distinct()
        .order_by("-created_at")
    )


def dispute_get_for_merchant(*, merchant: User, dispute_id) -> Dispute:
    dispute = dispute_list_for_merchant(merchant=merchant).filter(pk=dispute_id).first()
    if dispute is None:
        raise Http404("No such dispute of yours.")
    return dispute


def _when(at) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def dispute_evidence(*, payment: Payment) -> dict:
    """What Kassa's own records say about a disputed payment, in the fields of
    Stripe's dispute evidence: what was sold, to whom, when it was delivered,
    and every time the buyer reached it (codes shown, files downloaded)."""
    order = payment.order
    if order is None:
        description = (payment.checkout.description if payment.checkout else "") or "A payment"
        return {
            "product_description": description,
            "customer_email_address": payment.payer.email,
            "service_date": payment.created_at.date().isoformat(),
            "access_activity_log": "",
        }
    lines = list(order.items.all())
    events = OrderEvent.objects.filter(order=order).order_by("id")
    accesses = DeliveryAccess.objects.filter(order=order).select_related("order_item")
    log = [f"{_when(e.created_at)} order {e.to_status.lower()} {e.reason}".rstrip() for e in events]
    log += [
        f"{_when(a.created_at)} {a.get_kind_display().lower()}"
        + (f" ({a.order_item.name})" if a.order_item else "")
        + f" from {a.ip_address or 'an unknown address'}"
        + (f", {a.user_agent}" if a.user_agent else "")
        for a in accesses
    ]
    delivered = next((e for e in events if e.to_status in ("PAID", "FULFILLED")), None)
    return {
        "product_description": "; ".join(f"{line.quantity} × {line.name}" for line in lines),
        "customer_email_address": order.buyer.email,
        "service_date": (delivered.created_at if delivered else order.created_at)
        .date()
        .isoformat(),
        "access_activity_log": "\n".join(log),
    }
