from django.db.models import QuerySet
from django.http import Http404

from accounts.models import ApiKey, User
from core import crypto


def user_email_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=User.objects.normalize_email(email)).exists()


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
