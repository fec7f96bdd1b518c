"""Sending Celery tasks from services. Tasks are sent by name, so services never
import a tasks module (which imports the services): the task entry points and
the services stay one-way."""

import logging

# The Celery app config/celery.py made current (core sits below config).
from celery import current_app as celery_app
from django.db import transaction

logger = logging.getLogger("kassa.tasks")


def enqueue_on_commit(task_name: str, *args, countdown: float | None = None) -> None:
    """Send the task once the surrounding transaction commits.

    A broker that is down must not turn a committed payment into an error: the
    work stays recorded as pending and a reconciler sends it again later.
    """

    def send():
        try:
            celery_app.tasks[task_name].apply_async(args, countdown=countdown)
        except Exception:  # the reconcilers are the safety net, see docstring
            logger.warning("enqueue_failed task=%s args=%s", task_name, args, exc_info=True)

    transaction.on_commit(send)
