import re
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import ApiKey, SignIn, User
from core import crypto

_BROWSERS = [
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]


def user_email_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=User.objects.normalize_email(email)).exists()


def device_name(user_agent: str) -> str:
    """ "Firefox on Windows", "curl", or "Unknown device": enough to recognise one's
    own devices, not a fingerprint."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser:
        return f"{browser} on {system}" if system else browser
    if tool := re.match(r"[\w.-]+", user_agent):
        return tool.group(0)
    return "Unknown device"


def sign_in_list_active(*, user: User) -> list[SignIn]:
    """Sign-ins not ended and used within the life of a session or a refresh
    token, newest first, each with `.device`."""
    lifetime = max(
        timedelta(seconds=settings.SESSION_COOKIE_AGE),
        settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"],
    )
    sign_ins = list(
        SignIn.objects.filter(
            user=user, ended_at__isnull=True, last_seen_at__gte=timezone.now() - lifetime
        )[:50]
    )
    for sign_in in sign_ins:
        sign_in.device = device_name(sign_in.user_agent)
    return sign_ins


def api_key_list_for_merchant(*, merchant: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(merchant=merchant).order_by("-created_at", "id")


def api_key_get_for_merchant(*, merchant: User, key_id) -> ApiKey:
    key = ApiKey.objects.filter(merchant=merchant, pk=key_id).first()
    if key is None:
        raise Http404
    return key


def api_key_find(*, raw_key: str) -> ApiKey | None:
    """The live key this secret is, with its merchant; None for a revoked,
    unknown or malformed one, or one whose merchant was deactivated."""
    return (
        ApiKey.objects.select_related("merchant")
        .filter(
            hashed_key=crypto.fingerprint(raw_key),
            revoked_at__isnull=True,
            merchant__is_active=True,
        )
        .first()
    )
