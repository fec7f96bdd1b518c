"""Receipts: every paid order's, emailed after the commit that paid it, again on
request ("Email my receipt again"), and a short notice for each refund. Like
"Your order is ready", no email ever names a code or a download link."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.money import format_money
from core.ratelimit import rate_key, rate_limit_hit
from core.task_names import SEND_ORDER_RECEIPT, SEND_REFUND_NOTICE
from orders.errors import OrderErrorCode
from orders.models import Order
from orders.selectors import order_receipt

RECEIPTED = (Order.Status.PAID, Order.Status.FULFILLED, Order.Status.REFUNDED)


def order_receipt_enqueue(order: Order) -> None:
    enqueue_on_commit(SEND_ORDER_RECEIPT, str(order.pk))


def order_refund_notice_enqueue(order: Order, amount: int) -> None:
    enqueue_on_commit(SEND_REFUND_NOTICE, str(order.pk), amount)


def _order_url(order: Order) -> str:
    return settings.SITE_URL + reverse("storefront:order", args=[order.pk])


def order_receipt_email_send(*, order_id: str) -> None:
    """The task's body: the receipt, to the buyer."""
    order = Order.objects.select_related("buyer").get(pk=order_id)
    context = {"receipt": order_receipt(order=order), "order_url": _order_url(order)}
    send_mail(
        subject=f"Your Kassa receipt for order {order.number}",
        message=render_to_string("emails/order_receipt.txt", context),
        from_email=None,
        recipient_list=[order.buyer.email],
    )


def order_receipt_resend(*, order: Order) -> None:
    """ "Email my receipt again", for a paid order; throttled per order
    (EMAIL_RESEND_RATE, 429). not_paid (409) before it is paid."""
    if order.status not in RECEIPTED:
        raise ApplicationError(
            "This order has no receipt until it is paid.",
            code=OrderErrorCode.NOT_PAID,
            status=409,
            extra={"status": order.status},
        )
    if wait := rate_limit_hit(rate_key("receipt", str(order.pk)), settings.EMAIL_RESEND_RATE):
        raise ApplicationError(
            "The receipt was sent a few times already; try again later.",
            code=OrderErrorCode.THROTTLED,
            status=429,
            extra={"retry_after": wait},
        )
    order_receipt_enqueue(order)


def order_refund_notice_send(*, order_id: str, amount: int) -> None:
    """The task's body: "Your refund", to the buyer."""
    order = Order.objects.select_related("buyer").get(pk=order_id)
    context = {
        "order": order,
        "amount": format_money(amount, order.currency),
        "order_url": _order_url(order),
    }
    send_mail(
        subject=f"Refund for your Kassa order {order.number}",
        message=render_to_string("emails/refund_notice.txt", context),
        from_email=None,
        recipient_list=[order.buyer.email],
    )
