"""Cached public catalog responses.

Every cached entry is stored with the catalog version it was built under; any
committed change to a product or its stock replaces the version, so an entry of
an older version is a miss and is rebuilt. A read fetches the version and the
entry together (one MGET, one round trip to Redis). A lost version key just
starts a new version.

A version names the moment it began: an entry rebuilt in the first
REPLICA_READ_YOUR_WRITES_SECONDS of a version is read from the primary, so a
lagging replica cannot put the catalog as it was before the change back into
the cache under the new version.
"""

import hashlib
import json
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from core.replica import primary_reads

VERSION_KEY = "catalog:version"


def _current_version() -> str | None:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _new_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def cache_key(kind: str, params: dict) -> str:
    """The parameters are hashed in an unambiguous encoding (JSON, sorted keys), so
    no value can pass itself off as another parameter: ordering=a%26q%3Db and
    ordering=a&q=b are different keys."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f"catalog:{kind}:{digest}"


def _read(key: str):
    """(current version, the entry's value if it is of that version): one MGET."""
    found = cache.get_many([VERSION_KEY, key])
    version, entry = found.get(VERSION_KEY), found.get(key)
    if version is not None and entry is not None and entry[0] == version:
        return version, entry[1]
    return version, None


def hit(kind: str, params: dict):
    """The cached value if there is a current one, else None; builds nothing."""
    return _read(cache_key(kind, params))[1]


def store(kind: str, params: dict, value, *, version: str | None = None) -> None:
    """Keep `value` under the current catalog version (none while Redis is down)."""
    version = version or _current_version()
    if version is not None:
        cache.set(cache_key(kind, params), (version, value), timeout=settings.PRODUCT_CACHE_TTL)


def _new_version() -> str:
    return f"{uuid.uuid4().hex}@{time.time():.3f}"


def _is_young(version: str | None) -> bool:
    try:
        began = float((version or "").rpartition("@")[2])
    except ValueError:
        return False
    return time.time() - began < settings.REPLICA_READ_YOUR_WRITES_SECONDS


def cached(kind: str, params: dict, build):
    version, value = _read(cache_key(kind, params))
    if value is not None:
        return value
    if _is_young(version):
        with primary_reads():
            value = build()
    else:
        value = build()
    store(kind, params, value, version=version)
    return value


def invalidate_on_commit() -> None:
    transaction.on_commit(lambda: cache.set(VERSION_KEY, _new_version(), timeout=None))
