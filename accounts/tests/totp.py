"""TOTP codes computed the way an authenticator app does (RFC 6238: HMAC-SHA1
over the 30-second counter), independent of django-otp, for tests."""

import base64
import hmac
import struct
import time


def totp(secret: str, *, steps_ahead: int = 0, digits: int = 6) -> str:
    """The code for `secret` (base32) now, or `steps_ahead` 30-second steps on
    (django-otp accepts one step either side, and never the same step twice)."""
    counter = int(time.time() // 30) + steps_ahead
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"
