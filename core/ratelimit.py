"""Counting attempts in the cache, for limits that outlive one request's view:
reset requests, "Resend", "Email my receipt again", admin login failures."""

import hashlib

from django.core.cache import cache


def parse_rate(rate: str) -> tuple[int, int]:
    """'5/min' → (5, 60), in DRF's rate notation."""
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def rate_key(scope: str, value: str) -> str:
    """A cache key for `value` (an email, an address) that does not store it."""
    return f"rate:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def rate_limit_hit(key: str, rate: str) -> int | None:
    """Count one attempt; None while within `rate`, else the seconds to wait.

    A fixed window from the first attempt: cache.add starts it, incr counts in
    it, and both are atomic in Redis, so parallel requests cannot slip past.
    """
    allowed, period = parse_rate(rate)
    if cache.add(key, 1, timeout=period):
        return None
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, timeout=period)
        return None
    return period if count > allowed else None
