"""Tasks are sent by name, so services never import the tasks module (which
imports the services): the task entry points and the services stay one-way."""

import logging

from django.db import transaction

from config.celery import app as celery_app

logger = logging.getLogger("kassa.payments")

PROCESS_PAYMENT = "payments.tasks.process_payment_task"
SEND_REFUND = "payments.tasks.refund_send_task"
REFUND_LATE_CAPTURE = "payments.tasks.refund_payment_task"


def enqueue_on_commit(task_name: str, *args, countdown: float | None = None) -> None:
    """Send the task once the surrounding transaction commits.

    A broker that is down must not turn a committed payment into an error:
    the payment (or refund) stays PENDING and the reconciler enqueues it later.
    """

    def send():
        try:
            celery_app.tasks[task_name].apply_async(args, countdown=countdown)
        except Exception:  # the reconciler is the safety net, see docstring
            logger.warning("enqueue_failed task=%s args=%s", task_name, args, exc_info=True)

    transaction.on_commit(send)


def requeue_stale(queryset, task_name: str, *, now, batch_size: int = 500) -> int:
    """Send `task_name` again for up to batch_size rows of `queryset` (by pk), for
    the reconcilers. Touching updated_at keeps the next run from sending the same
    row again at once. Returns how many were sent."""
    stale = list(queryset.values_list("pk", flat=True)[:batch_size])
    for pk in stale:
        with transaction.atomic():
            queryset.model.objects.filter(pk=pk).update(updated_at=now)
            enqueue_on_commit(task_name, str(pk))
    return len(stale)
