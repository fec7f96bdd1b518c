"""Receipts: every paid order's, emailed after the commit that paid it, again on
request ("Email my receipt again"), and a short notice for each refund. Like
"Your order is ready", no email ever names a code or a download link."""

import logging
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.enqueue import enqueue_on_commit, enqueue_sweep_on_commit
from core.exceptions import ApplicationError
from core.money import format_money
from core.ratelimit import rate_key, rate_limit_hit
from core.task_names import SEND_DUE_RECEIPTS, SEND_ORDER_RECEIPT, SEND_REFUND_NOTICE
from orders.errors import OrderErrorCode
from orders.models import Order
from orders.selectors import order_receipt, orders_for_receipts

logger = logging.getLogger("kassa.orders")

RECEIPTED = (Order.Status.PAID, Order.Status.FULFILLED, Order.Status.REFUNDED)


# How long a sweep may take to send one receipt before another sweep sends it
# again (a worker killed mid-send): at least once, never lost.
RECEIPT_LEASE = timedelta(minutes=5)
RECEIPTS_PER_CLAIM = 50


def order_receipt_due(order: Order) -> None:
    """Mark a paid order's receipt due, saved with the order's own write (its
    insert at checkout, its status change when a card pays), and have the
    receipts sweep run after the commit: no task per order."""
    order.receipt_due_at = timezone.now()
    enqueue_sweep_on_commit(SEND_DUE_RECEIPTS)


def order_receipts_send_due(*, now=None) -> int:
    """The sweep: email every receipt that is due; returns how many were sent.
    Each batch is claimed (leased) in a short transaction, read in two queries
    and sent over one mail connection with no transaction open, then marked
    sent in one statement; a receipt whose sending failed is tried again when
    its lease ends (a worker killed mid-batch sends the batch's again: one more
    copy, never none)."""
    sent, mail = 0, get_connection()
    try:
        mail.open()
    except (SMTPException, OSError):
        logger.warning("receipt_mail_unreachable", exc_info=True)
        return 0  # nothing claimed: beat's next sweep tries again
    with mail:
        while claimed := _claim_due_receipts(now or timezone.now()):
            lease, done = claimed[0][1], []
            for order in orders_for_receipts(order_ids=[order_id for order_id, _ in claimed]):
                try:
                    _send_receipt(order, connection=mail)
                except (SMTPException, OSError):
                    logger.warning("receipt_send_failed order_id=%s", order.pk, exc_info=True)
                    continue
                done.append(order.pk)
            Order.objects.filter(pk__in=done, receipt_due_at=lease).update(receipt_due_at=None)
            sent += len(done)
            if len(claimed) < RECEIPTS_PER_CLAIM:
                return sent
    return sent


@transaction.atomic
def _claim_due_receipts(now) -> list[tuple]:
    due = list(
        Order.objects.select_for_update(skip_locked=True)
        .filter(receipt_due_at__lte=now)
        .order_by("receipt_due_at")
        .values_list("pk", flat=True)[:RECEIPTS_PER_CLAIM]
    )
    lease = now + RECEIPT_LEASE
    Order.objects.filter(pk__in=due).update(receipt_due_at=lease)
    return [(order_id, lease) for order_id in due]


def order_refund_notice_enqueue(order: Order, amount: int) -> None:
    enqueue_on_commit(SEND_REFUND_NOTICE, str(order.pk), amount)


def _order_url(order: Order) -> str:
    return settings.SITE_URL + reverse("storefront:order", args=[order.pk])


def order_receipt_email_send(*, order_id: str) -> None:
    """The task's body: the receipt, to the buyer."""
    (order,) = orders_for_receipts(order_ids=[order_id])
    _send_receipt(order)


def _send_receipt(order: Order, connection=None) -> None:
    context = {"receipt": order_receipt(order=order), "order_url": _order_url(order)}
    send_mail(
        subject=f"Your Kassa receipt for order {order.number}",
        message=render_to_string("emails/order_receipt.txt", context),
        from_email=None,
        recipient_list=[order.buyer.email],
        connection=connection,
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
    enqueue_on_commit(SEND_ORDER_RECEIPT, str(order.pk))


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
