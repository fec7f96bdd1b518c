"""Sending Celery tasks from services. Tasks are sent by name, so services never
import a tasks module (which imports the services): the task entry points and
the services stay one-way."""

import logging

# The Celery app config/celery.py made current (core sits below config).
from celery import current_app as celery_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger("kassa.tasks")


def enqueue_on_commit(task_name: str, *args, countdown: float | None = None) -> None:
    """Send the task once the surrounding transaction commits.

    A broker that is down must not turn a committed payment into an error: the
    work stays recorded as pending and a reconciler sends it again later.
    """

    transaction.on_commit(lambda: enqueue(task_name, *args, countdown=countdown))


def enqueue(task_name: str, *args, countdown: float | None = None) -> None:
    """Send the task now; a broker that is down is logged, not raised (the
    reconcilers send the work again)."""
    try:
        celery_app.tasks[task_name].apply_async(args, countdown=countdown)
    except Exception:  # the reconcilers are the safety net, see enqueue_on_commit
        logger.warning("enqueue_failed task=%s args=%s", task_name, args, exc_info=True)


# A sweep task reads rows that ask for work (events to number, receipts to
# send) rather than taking one task per row. A commit that wrote such rows
# sends the sweep only if none is queued: the flag is set while one is queued
# and cleared by the sweep before it reads, so a commit that finds it set is
# read by that sweep. Under load a sweep is sent per run, not per commit, and
# it starts SWEEP_GATHER_SECONDS after the commit that sent it, so that it finds
# the rows of every commit in between (a task per sale costs a worker more than
# the sale's receipt). The flag's timeout bounds the wait where the cache is
# per process (no Redis) or a task was lost; each sweep is also on beat's
# schedule as a net under both.
SWEEP_QUEUED_SECONDS = 2


def _sweep_flag(task_name: str) -> str:
    return f"sweep-queued:{task_name}"


def enqueue_sweep_on_commit(task_name: str) -> None:
    """Send the sweep task once the transaction commits, unless one is queued."""
    transaction.on_commit(lambda: _sweep_unless_queued(task_name))


def _sweep_unless_queued(task_name: str) -> None:
    # None: django-redis did not reach Redis. Send the task rather than wait.
    if cache.add(_sweep_flag(task_name), 1, timeout=SWEEP_QUEUED_SECONDS) is not False:
        enqueue(task_name, countdown=settings.SWEEP_GATHER_SECONDS or None)


def sweep_starting(task_name: str) -> None:
    """The first thing a sweep task does, before it reads what is due."""
    cache.delete(_sweep_flag(task_name))
