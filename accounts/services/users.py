from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts import merchants
from accounts.errors import AccountErrorCode
from accounts.locks import user_qs_for_update
from accounts.models import SignIn, User
from accounts.services.emails import email_verification_enqueue
from accounts.services.sign_ins import (
    Client,
    sign_in_end,
    sign_in_start,
    sign_in_touch,
    user_end_tokens_and_sessions,
)
from accounts.tokens import OTP_CLAIM, SIGN_IN_CLAIM, VersionedRefreshToken, token_is_current
from core.exceptions import ApplicationError

EMAIL_TAKEN = "A user with this email already exists."


def user_register(
    *, email: str, password: str, role: str, first_name: str = "", last_name: str = ""
) -> User:
    """Create an active user, unverified: a link to verify the email is sent
    once the account commits.

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
            email_verification_enqueue(user=user, email=user.email)
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


def user_issue_tokens(
    *, user: User, client: Client | None = None, two_factor: bool = False
) -> dict[str, str]:
    """A token pair; with `client`, a new sign-in that "Account" lists."""
    sign_in = sign_in_start(user=user, kind=SignIn.Kind.API, client=client) if client else None
    refresh = VersionedRefreshToken.for_user(
        user, two_factor=two_factor, sign_in_id=str(sign_in.pk) if sign_in else None
    )
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def user_rotate_refresh_token(*, raw_token: str, client: Client | None = None) -> dict[str, str]:
    """Swap a refresh token for a new pair, exactly once; the pair keeps the
    token's sign-in and whether a second factor was given.

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
        sign_in_id = refresh.get(SIGN_IN_CLAIM)
        if sign_in_id:
            sign_in_touch(sign_in_id=sign_in_id, client=client)
        pair = VersionedRefreshToken.for_user(
            user, two_factor=bool(refresh.get(OTP_CLAIM, False)), sign_in_id=sign_in_id
        )
        return {"access": str(pair.access_token), "refresh": str(pair)}


def user_logout_refresh_token(*, raw_token: str) -> None:
    """Blacklist a refresh token; its sign-in leaves "Account". TokenError for
    an invalid, expired or already blacklisted token."""
    refresh = RefreshToken(raw_token)
    refresh.blacklist()
    if sign_in_id := refresh.get(SIGN_IN_CLAIM):
        sign_in_end(sign_in_id=sign_in_id)


def _password_guesses_key(user: User) -> str:
    return f"password-guesses:{user.pk}"


def _refuse_past_the_guess_limit(user: User) -> None:
    """Wrong current passwords count per account, as wrong passwords lock the
    login (LOGIN_FAILURE_LIMIT per LOGIN_COOLOFF_MINUTES): whoever holds a
    session cannot guess the password to take the account over."""
    if (cache.get(_password_guesses_key(user)) or 0) >= settings.AXES_FAILURE_LIMIT:
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        raise ApplicationError(
            f"Too many wrong passwords: try again in {minutes} minutes.",
            code=AccountErrorCode.TOO_MANY_ATTEMPTS,
            status=429,
        )


def _count_wrong_guess(user: User) -> None:
    key, timeout = _password_guesses_key(user), settings.AXES_COOLOFF_TIME.total_seconds()
    if not cache.add(key, 1, timeout=timeout):
        cache.incr(key)


@transaction.atomic
def user_change_password(
    *,
    user: User,
    old_password: str,
    new_password: str,
    client: Client | None = None,
    keep_sign_in_id: str | None = None,
    two_factor: bool = False,
) -> dict[str, str]:
    """Set a new password and end every session of the account: each outstanding
    refresh token is blacklisted and each access token stops working (the token
    version moves on). Returns a fresh token pair for the caller, saying a second
    factor was given when `two_factor` says the caller gave one; the browser
    sign-in `keep_sign_in_id` stays listed.

    Raises ValidationError keyed by field for a wrong old or a weak new password,
    and too_many_attempts (429) once the account has guessed too often.
    """
    user = user_qs_for_update().get(pk=user.pk)
    _refuse_past_the_guess_limit(user)
    if not user.check_password(old_password):
        _count_wrong_guess(user)
        raise ValidationError({"old_password": ["The current password is not correct."]})
    cache.delete(_password_guesses_key(user))
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user_end_tokens_and_sessions(user=user, keep_sign_in_id=keep_sign_in_id)
    user.save(update_fields=["password", "token_version"])
    return user_issue_tokens(user=user, client=client, two_factor=two_factor)
