"""Transactions without savepoints where nothing needs them.

A savepoint is two round trips (SAVEPOINT, RELEASE) for every nested atomic
block, there so that an error inside can be undone while the surrounding
transaction goes on. Where the caller rolls the whole transaction back on any
error anyway (the Idempotency-Key layer around a checkout), nested blocks
marked with `atomic_unless_whole` skip them.
"""

import contextvars
import functools
from contextlib import contextmanager

from django.db import transaction

_rolled_back_whole = contextvars.ContextVar("kassa_rolled_back_whole", default=False)


@contextmanager
def whole_transaction():
    """A transaction that any error rolls back entirely: nested
    atomic_unless_whole blocks inside it take no savepoints."""
    token = _rolled_back_whole.set(True)
    try:
        with transaction.atomic():
            yield
    finally:
        _rolled_back_whole.reset(token)


def atomic_unless_whole(func):
    """transaction.atomic, without a savepoint inside a whole_transaction()."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with transaction.atomic(savepoint=not _rolled_back_whole.get()):
            return func(*args, **kwargs)

    return wrapper
