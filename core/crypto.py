"""Secrets at rest (gift-card codes, licence keys, webhook signing secrets,
the notes merchants fulfil orders with): Fernet encryption with
rotation, and a keyed fingerprint that finds duplicates without decrypting.

KASSA_ENCRYPTION_KEY is a comma-separated list of Fernet keys, newest first:
the first encrypts, every one decrypts (MultiFernet), so a new key is added in
front, `manage.py rotate_encryption_key` re-encrypts every secret with it, and
the old key can then be dropped.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.KASSA_ENCRYPTION_KEYS])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """The same secret under the newest key."""
    return _fernet().rotate(token.encode()).decode()


def fingerprint(plaintext: str) -> str:
    """A stable keyed hash: equal secrets match, and a database dump alone cannot
    test guesses against it (the key is not in the database)."""
    key = settings.KASSA_FINGERPRINT_KEY.encode()
    return hmac.new(key, plaintext.encode(), hashlib.sha256).hexdigest()


def mask(secret: str) -> str:
    """'XBOX-AB12-7QX4' → 'XBOX-••••-7QX4': the first few characters and the
    last four, so codes in a list can be told apart, with separators kept so
    the shape stays recognisable. At least four letters or digits stay hidden:
    a short code shows its last ones only as far as that allows
    ('AAAA-1111' → 'AAAA-••••')."""
    head = min(4, len(secret) // 2)
    rest = [i for i in range(head, len(secret)) if secret[i].isalnum()]
    shown_at_end = max(0, min(4, len(rest) - 4))
    covered = set(rest[: len(rest) - shown_at_end])
    return "".join("•" if i in covered else char for i, char in enumerate(secret))
