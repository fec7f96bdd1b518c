"""Cached public catalog responses.

Every cached entry's key carries the catalog version; any committed change to
a product or its stock replaces the version, so old entries are never read
again and simply expire. A lost version key just starts a new version.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "catalog:version"


def _current_version() -> str | None:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def cache_key(kind: str, params: dict) -> str | None:
    """None when the cache cannot be used (Redis down): the caller goes to the database.

    The parameters are hashed in an unambiguous encoding (JSON, sorted keys), so
    no value can pass itself off as another parameter: ordering=a%26q%3Db and
    ordering=a&q=b are different keys.
    """
    version = _current_version()
    if version is None:
        return None
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f"catalog:{version}:{kind}:{digest}"


def cached(kind: str, params: dict, build):
    key = cache_key(kind, params)
    if key is not None and (hit := cache.get(key)) is not None:
        return hit
    value = build()
    if key is not None:
        cache.set(key, value, timeout=settings.PRODUCT_CACHE_TTL)
    return value


def invalidate_on_commit() -> None:
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))
