"""Transactions without savepoints where nothing needs them, and writes that
must come last.

A savepoint is two round trips (SAVEPOINT, RELEASE) for every nested atomic
block, there so that an error inside can be undone while the surrounding
transaction goes on. Where the caller rolls the whole transaction back on any
error anyway (the Idempotency-Key layer around a checkout), nested blocks
marked with `atomic_unless_whole` skip them.

A row that every request contends for (a popular product's stock) is locked
from the statement that writes it until COMMIT. `last_write` moves such a
statement to the end of the whole transaction, after what the caller writes
once the service has returned (the Idempotency-Key's recorded answer), so that
nothing but the COMMIT runs while the row is held.
"""

import contextvars
import functools
from collections.abc import Callable
from contextlib import contextmanager

from django.db import transaction

_rolled_back_whole = contextvars.ContextVar("kassa_rolled_back_whole", default=False)
_last_writes: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "kassa_last_writes", default=None
)


@contextmanager
def whole_transaction():
    """A transaction that any error rolls back entirely: nested
    atomic_unless_whole blocks inside it take no savepoints, and the writes
    handed to last_write run at its end, just before COMMIT. An error they
    raise rolls the transaction back and leaves the block as any error."""
    rolled_back_whole = _rolled_back_whole.set(True)
    last_writes = _last_writes.set([])
    try:
        with transaction.atomic():
            yield
            for write in _last_writes.get():
                write()
    finally:
        _last_writes.reset(last_writes)
        _rolled_back_whole.reset(rolled_back_whole)


def last_write(write: Callable[[], None]) -> None:
    """Run `write` at the end of the enclosing whole_transaction(), in the order
    given; outside one (a page's form, a shell), at once, so a service that
    calls this as its last step behaves the same either way."""
    pending = _last_writes.get()
    if pending is None:
        write()
    else:
        pending.append(write)


def atomic_unless_whole(func):
    """transaction.atomic, without a savepoint inside a whole_transaction()."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with transaction.atomic(savepoint=not _rolled_back_whole.get()):
            return func(*args, **kwargs)

    return wrapper
