from smtplib import SMTPException

from celery import shared_task

from core.enqueue import sweep_starting
from core.task_names import (
    RELEASE_EXPIRED_RESERVATIONS,
    SEND_DUE_RECEIPTS,
    SEND_ORDER_READY_EMAIL,
    SEND_ORDER_RECEIPT,
    SEND_REFUND_NOTICE,
)
from orders.services import (
    order_receipt_email_send,
    order_receipts_send_due,
    order_refund_notice_send,
    order_release_expired,
)
from orders.services.delivery import order_ready_email_send


@shared_task(name=RELEASE_EXPIRED_RESERVATIONS)
def release_expired_reservations_task() -> int:
    return order_release_expired()


@shared_task(
    name=SEND_ORDER_READY_EMAIL,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def send_order_ready_email_task(order_id: str) -> None:
    """Sent after the delivery commits; a mail server that is down is retried
    with backoff (5 s, 10 s, … up to 10 minutes). A duplicate email after a
    worker crash is harmless: it names where the order is, not the codes."""
    order_ready_email_send(order_id=order_id)


EMAIL_RETRIES = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name=SEND_DUE_RECEIPTS, acks_late=True, reject_on_worker_lost=True)
def send_due_receipts_task() -> int:
    """The receipts of paid orders: sent after commits that paid orders (one per
    run queued) and by beat, which also picks up a receipt whose sending failed
    once its lease ends. A worker killed mid-send means one more copy of a
    receipt, never none."""
    sweep_starting(SEND_DUE_RECEIPTS)
    return order_receipts_send_due()


@shared_task(name=SEND_ORDER_RECEIPT, **EMAIL_RETRIES)
def send_order_receipt_task(order_id: str) -> None:
    """ "Email my receipt again"; retried like "Your order is ready"."""
    order_receipt_email_send(order_id=order_id)


@shared_task(name=SEND_REFUND_NOTICE, **EMAIL_RETRIES)
def send_refund_notice_task(order_id: str, amount: int) -> None:
    order_refund_notice_send(order_id=order_id, amount=amount)
