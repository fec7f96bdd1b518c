from celery import shared_task

from orders.services import order_release_expired


@shared_task
def release_expired_reservations_task() -> int:
    return order_release_expired()
