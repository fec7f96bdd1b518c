import logging

from django.db import transaction

logger = logging.getLogger("kassa.payments")


def enqueue_on_commit(task, *args) -> None:
    """Send `task` once the surrounding transaction commits.

    A broker that is down must not turn a committed payment into an error:
    the payment stays PENDING and the reconciler enqueues it later.
    """

    def send():
        try:
            task.delay(*args)
        except Exception:  # the reconciler is the safety net, see docstring
            logger.warning("enqueue_failed task=%s args=%s", task.name, args, exc_info=True)

    transaction.on_commit(send)
