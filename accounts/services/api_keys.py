"""Merchants' API keys (`kassa_sk_…`) for their own servers."""

import secrets
from datetime import timedelta

from django.utils import timezone

from accounts.models import ApiKey, User
from accounts.services.two_factor import two_factor_check
from core import crypto

API_KEY_PREFIX = "kassa_sk_"
# How stale ApiKey.last_used_at may get: one UPDATE a minute per key, not one
# per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_create(
    *, merchant: User, name: str, scopes: list[str], two_factor_verified: bool
) -> tuple[ApiKey, str]:
    """A new key and the key itself, which is returned here only: the database
    keeps a keyed hash, so nobody can show it again. Repeating the call makes
    another key (revoke the one not needed). otp_required (403) for a merchant
    with two-factor sign-in unless the caller gave the code
    (`two_factor_verified`)."""
    two_factor_check(user=merchant, verified=two_factor_verified)
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        merchant=merchant,
        name=name,
        scopes=[scope for scope in ApiKey.Scope.values if scope in scopes],
        hashed_key=crypto.fingerprint(raw),
        last_four=raw[-4:],
    )
    return key, raw


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """The key answers 401 from now on. Revoking it again changes nothing."""
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db(fields=["revoked_at"])
    return key


def api_key_touch(*, key: ApiKey) -> None:
    """Note that the key was used now, at most once per LAST_USED_RESOLUTION."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
