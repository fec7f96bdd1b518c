"""Reads that may lag, served by a streaming replica (DATABASE_REPLICA_URL).

A view opts in: pages with @reads_may_lag, API views with
`with lagging_reads(request):` (after DRF has authenticated the caller). Inside,
the router sends the reads of Kassa's own tables to the replica, except when:
- no replica is configured (then nothing here changes anything);
- a transaction is open on the primary: whatever locks rows or checks money
  reads what it is about to change;
- this browser or this account wrote in the last REPLICA_READ_YOUR_WRITES_SECONDS,
  so a merchant sees the product they just created however far the replica
  lags. A cookie marks the browser; a cache key marks the account, for API
  clients, which keep no cookies.
Sessions, sign-in records and everything else outside REPLICA_APPS always come
from the primary: a session written a moment ago must be found.
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
WROTE_COOKIE = "kassa_wrote"
REPLICA_APPS = frozenset({"accounts", "catalog", "orders", "payments", "wallets"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_reads_may_lag: ContextVar[bool] = ContextVar("reads_may_lag", default=False)


def replica_in_use() -> bool:
    return settings.REPLICA_READS and REPLICA in settings.DATABASES


def _account_key(user_id) -> str:
    return f"wrote:{user_id}"


def _wrote_recently(request) -> bool:
    try:
        browser_until = float(request.COOKIES.get(WROTE_COOKIE, "0"))
    except ValueError:
        browser_until = 0.0
    if browser_until > time.time():
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and cache.get(_account_key(user.pk)))


@contextmanager
def lagging_reads(request):
    token = _reads_may_lag.set(replica_in_use() and not _wrote_recently(request))
    try:
        yield
    finally:
        _reads_may_lag.reset(token)


@contextmanager
def primary_reads():
    """Inside a lagging view, reads that must see the latest commit."""
    token = _reads_may_lag.set(False)
    try:
        yield
    finally:
        _reads_may_lag.reset(token)


def reads_may_lag(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with lagging_reads(request):
            return view(request, *args, **kwargs)

    return wrapper


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reads_may_lag.get()
            and model._meta.app_label in REPLICA_APPS
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        # Not None: a row read from the replica must not send its related reads
        # there outside a lagging view.
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's very rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class ReadYourWritesMiddleware:
    """Marks the browser and the account that sent a write (after
    AuthenticationMiddleware; DRF sets request.user for token callers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in UNSAFE_METHODS and replica_in_use():
            seconds = settings.REPLICA_READ_YOUR_WRITES_SECONDS
            response.set_cookie(
                WROTE_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                cache.set(_account_key(user.pk), 1, timeout=seconds)
        return response
