"""Licence keys as text: made from a CSPRNG, masked for lists, read back from
their ciphertext (core.crypto)."""

import secrets

from catalog.models import Licence
from core import crypto

# No 0/O or 1/I: a key is read off a screen and typed. 16 of 32 symbols: 80 bits.
KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
KEY_PREFIX = "KASSA"


def licence_key_new() -> str:
    groups = ("".join(secrets.choice(KEY_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join([KEY_PREFIX, *groups])


def licence_key_mask(key: str) -> str:
    """'KASSA-AB12-CD34-EF56-GH78' → 'KASSA-••••-••••-••••-GH78': enough to tell
    keys apart in a list, never enough to use one."""
    hidden = "".join("•" if char.isalnum() else char for char in key[len(KEY_PREFIX) : -4])
    return KEY_PREFIX + hidden + key[-4:]


def licence_key(licence: Licence) -> str:
    return crypto.decrypt(licence.ciphertext)
