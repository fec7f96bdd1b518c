from smtplib import SMTPException

from celery import shared_task

from core.task_names import RELEASE_EXPIRED_RESERVATIONS, SEND_ORDER_READY_EMAIL
from orders.services import order_release_expired
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
