import secrets
from datetime import timedelta

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts import merchants
from accounts.locks import user_qs_for_update
from accounts.models import ApiKey, User
from accounts.tokens import VersionedRefreshToken, token_is_current
from core import crypto

EMAIL_TAKEN = "A user with this email already exists."


def user_register(
    *, email: str, password: str, role: str, first_name: str = "", last_name: str = ""
) -> User:
    """Create an active user.

    Raises ValidationError keyed by field for a weak password or a taken email,
    including an email taken by a concurrent registration.
    """
    user = User(
        email=User.objects.normalize_email(email),
        role=role,
        first_name=first_name,
        last_name=last_name,
    )
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            if user.is_merchant:
                user_grant_merchant_admin(user=user)
    except IntegrityError as exc:
        raise ValidationError({"email": [EMAIL_TAKEN]}) from exc
    return user


def user_grant_merchant_admin(*, user: User) -> User:
    """A merchant uses the Django admin too: staff, in the Merchants group, whose
    admin pages show only the merchant's own rows."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(_merchants_group())
    return user


def _merchants_group() -> Group:
    # Made by migration accounts.0003; made again here should it be gone (a
    # database flushed after its migrations, as between transactional tests).
    group, created = Group.objects.get_or_create(name=merchants.GROUP)
    if created:
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in merchants.codenames()
            ]
        )
    return group


def user_issue_tokens(*, user: User) -> dict[str, str]:
    refresh = VersionedRefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def user_rotate_refresh_token(*, raw_token: str) -> dict[str, str]:
    """Swap a refresh token for a new pair, exactly once.

    The old token's blacklist row is the one-time ticket: its unique constraint
    lets one of any number of concurrent rotations insert it, and every other
    one fails. Raises TokenError for an invalid, expired, blacklisted or
    superseded token (issued before a password change) or an inactive user.
    """
    refresh = RefreshToken(raw_token)  # signature, expiry, type, blacklist
    user = User.objects.filter(pk=refresh.get(api_settings.USER_ID_CLAIM)).first()
    if user is None or not user.is_active or not token_is_current(refresh, user):
        raise TokenError("Token is no longer valid")
    with transaction.atomic():
        outstanding, _ = OutstandingToken.objects.get_or_create(
            jti=refresh[api_settings.JTI_CLAIM],
            defaults={
                "user": user,
                "token": raw_token,
                "expires_at": datetime_from_epoch(refresh["exp"]),
            },
        )
        try:
            with transaction.atomic():
                BlacklistedToken.objects.create(token=outstanding)
        except IntegrityError as exc:
            raise TokenError("Token is blacklisted") from exc
        return user_issue_tokens(user=user)


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> dict[str, str]:
    """Set a new password and end every session of the account: each outstanding
    refresh token is blacklisted and each access token stops working (the token
    version moves on). Returns a fresh token pair for the caller.

    Raises ValidationError keyed by field for a wrong old or a weak new password.
    """
    user = user_qs_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise ValidationError({"old_password": ["The current password is not correct."]})
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.token_version += 1
    user.save(update_fields=["password", "token_version"])
    BlacklistedToken.objects.bulk_create(
        [
            BlacklistedToken(token=token)
            for token in OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
        ],
        ignore_conflicts=True,
    )
    return user_issue_tokens(user=user)


# --- merchant API keys ----------------------------------------------------------------

API_KEY_PREFIX = "kassa_sk_"
# How stale ApiKey.last_used_at may get: one UPDATE a minute per key, not one
# per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_create(*, merchant: User, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """A new key and the key itself, which is returned here only: the database
    keeps a keyed hash, so nobody can show it again. Repeating the call makes
    another key (revoke the one not needed)."""
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
