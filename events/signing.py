"""Kassa-Signature, Stripe's scheme, so a receiver can reuse code it knows:
`t=<unix time>,v1=<hex>`, where v1 = HMAC-SHA256(secret, "<t>.<raw body>").
While a rolled secret is still valid there is one v1 per secret."""

import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
HEADER = "Kassa-Signature"
SEQUENCE_HEADER = "Kassa-Event-Sequence"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(*, secrets: list[str], body: bytes, timestamp: int) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={_digest(s, timestamp, body)}" for s in secrets)])


def signature_valid(*, header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
    """What a receiver checks: a v1 made with `secret` over this very body, and
    a timestamp at most `tolerance` seconds old."""
    fields = [item.split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for name, value in fields if name == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value) for name, value in fields if name == "v1")
