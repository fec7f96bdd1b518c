"""Two-factor sign-in with django-otp: an authenticator app (TOTP) and ten
single-use recovery codes, who must have them, the one check for actions that
need them, and the API's second step (a signed, short-lived challenge)."""

import logging
import math
import secrets
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import AccountErrorCode
from accounts.locks import (
    static_device_qs_for_update,
    totp_device_qs_for_update,
    user_qs_for_update,
)
from accounts.models import User
from accounts.services.sign_ins import Client
from accounts.services.users import user_issue_tokens
from core.exceptions import ApplicationError

logger = logging.getLogger("kassa.accounts")

TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
CHALLENGE_SALT = "accounts.otp-challenge"


def two_factor_required(user: User) -> bool:
    """Kassa's staff sign in with a second factor everywhere (KASSA_REQUIRE_2FA)."""
    return settings.KASSA_REQUIRE_2FA and user.is_platform_staff


def two_factor_required_for_admin(user: User) -> bool:
    """Everyone who reaches /admin/ (staff, and merchants for their rows)."""
    return settings.KASSA_REQUIRE_2FA and user.is_staff


def two_factor_check(*, user: User, verified: bool) -> None:
    """The one check for actions that need a second factor once the account has
    one (withdrawing, creating API keys): otp_required (403) unless `verified`,
    which the interface reads from how the caller signed in
    (accounts.authentication.request_two_factor_verified)."""
    if verified or not (user.two_factor_enabled or two_factor_required(user)):
        return
    raise ApplicationError(
        "This needs two-factor sign-in: sign in again with the code from your authenticator app.",
        code=AccountErrorCode.OTP_REQUIRED,
        status=403,
    )


def totp_secret(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it typed in (base32)."""
    return b32encode(device.bin_key).decode()


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the enrolment page shows (the same one on a
    reload, so the QR code stays the same). otp_already_enabled (409) when one
    is confirmed."""
    user = user_qs_for_update().get(pk=user.pk)
    if user.two_factor_enabled:
        raise ApplicationError(
            "Two-factor sign-in is already on.",
            code=AccountErrorCode.OTP_ALREADY_ENABLED,
            status=409,
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def two_factor_enrolment_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn two-factor sign-in on with a first code from the app; returns the
    confirmed device and the ten recovery codes, shown once. otp_invalid (400) for a wrong code (its
    count kept, so guesses slow down here too)."""
    with transaction.atomic():
        user = user_qs_for_update().get(pk=user.pk)
        device = totp_device_qs_for_update().filter(user=user, confirmed=False).first()
        if user.two_factor_enabled or device is None:
            raise ApplicationError(
                "Start again: open the two-factor page for a new QR code.",
                code=AccountErrorCode.OTP_NOT_ENABLED,
                status=409,
            )
        refused = _verify(device, _digits(code))
        if not refused:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            user.two_factor_enabled = True
            user.save(update_fields=["two_factor_enabled"])
            codes = _new_recovery_codes(user)
    if refused:
        raise refused
    logger.info("two_factor_enabled user_id=%s", user.pk)
    return device, codes


@transaction.atomic
def two_factor_enable_with_secret(*, user: User, secret: bytes) -> list[str]:
    """Two-factor sign-in on with a key chosen by the caller, not shown as a QR
    code first: for seed data (seed_demo prints it) and tests. Returns the
    recovery codes."""
    user = user_qs_for_update().get(pk=user.pk)
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name=TOTP_NAME, key=secret.hex(), confirmed=True)
    user.two_factor_enabled = True
    user.save(update_fields=["two_factor_enabled"])
    return _new_recovery_codes(user)


def _digits(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def _throttled(locked_until) -> ApplicationError:
    wait = math.ceil((locked_until - timezone.now()).total_seconds()) if locked_until else 1
    return ApplicationError(
        f"Too many wrong codes: wait {max(wait, 1)} seconds, then try again.",
        code=AccountErrorCode.THROTTLED,
        status=429,
        extra={"retry_after": max(wait, 1)},
    )


def _wrong_code() -> ApplicationError:
    return ApplicationError(
        "That code is not right. Check the time on your phone, or use a recovery code.",
        code=AccountErrorCode.OTP_INVALID,
        status=400,
    )


def _verify(device, code: str) -> ApplicationError | None:
    """None when `device` accepts `code`; else what to answer. django-otp keeps
    a device shut for a doubling delay after each wrong code."""
    allowed, about = device.verify_is_allowed()
    if not allowed:
        return _throttled((about or {}).get("locked_until"))
    return None if device.verify_token(code) else _wrong_code()


@dataclass(frozen=True)
class Verified:
    device: TOTPDevice | StaticDevice
    recovery_codes_left: int | None  # None: the code came from the app


def two_factor_verify(*, user: User, code: str) -> Verified:
    """Check a code from the authenticator app (6 digits) or a recovery code
    (spent on use). django-otp refuses a code used before and slows down
    guessing per device. otp_invalid (400), or throttled (429).

    Not inside the caller's transaction: a wrong code's count must stay
    recorded when the refusal rolls the caller back."""
    code = _digits(code).lower()
    totp = code.isdigit() and len(code) == 6
    with transaction.atomic():
        devices = totp_device_qs_for_update() if totp else static_device_qs_for_update()
        device = devices.filter(user=user, confirmed=True).first()
        if device is None or not user.two_factor_enabled:
            raise ApplicationError(
                "This account has no two-factor sign-in.",
                code=AccountErrorCode.OTP_NOT_ENABLED,
                status=400,
            )
        refused = _verify(device, code)
        left = None if totp else device.token_set.count()
    if refused:
        raise refused
    if left is not None:
        logger.info("recovery_code_used user_id=%s left=%s", user.pk, left)
    return Verified(device=device, recovery_codes_left=left)


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_codes_renew(*, user: User, code: str) -> list[str]:
    """Ten new recovery codes; the old ones stop working. Needs a current code."""
    two_factor_verify(user=user, code=code)
    with transaction.atomic():
        return _new_recovery_codes(user)


def two_factor_disable(*, user: User, code: str) -> None:
    """Turn two-factor sign-in off with a current code. otp_cannot_disable (409)
    for staff, who must keep it (KASSA_REQUIRE_2FA)."""
    if two_factor_required_for_admin(user):
        raise ApplicationError(
            "Staff and merchant accounts keep two-factor sign-in on.",
            code=AccountErrorCode.OTP_CANNOT_DISABLE,
            status=409,
        )
    two_factor_verify(user=user, code=code)
    with transaction.atomic():
        _remove_devices(user)
    logger.info("two_factor_disabled user_id=%s", user.pk)


def _remove_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(two_factor_enabled=False)
    user.two_factor_enabled = False


@transaction.atomic
def two_factor_reset(*, user: User, actor: User) -> None:
    """Staff take a user's second factor away (a lost phone and no recovery
    codes): the user signs in with the password alone until enrolling again."""
    user = user_qs_for_update().get(pk=user.pk)
    _remove_devices(user)
    logger.warning("two_factor_reset user_id=%s actor_id=%s", user.pk, actor.pk)


# --- the API's second step ---------------------------------------------------------


def otp_challenge_issue(*, user: User) -> str:
    """What POST /auth/login answers an enrolled account instead of tokens: it
    names the account (signed), lives OTP_CHALLENGE_SECONDS, and ends with a
    password change."""
    payload = {"u": str(user.pk), "v": user.token_version, "n": secrets.token_urlsafe(9)}
    return signing.dumps(payload, salt=CHALLENGE_SALT)


def _challenge_invalid() -> ApplicationError:
    return ApplicationError(
        "The sign-in has expired; log in with your password again.",
        code=AccountErrorCode.OTP_CHALLENGE_INVALID,
        status=401,
    )


def otp_challenge_complete(
    *, challenge: str, code: str, client: Client | None = None
) -> tuple[User, dict[str, str], Verified]:
    """Swap a challenge and a code for a token pair that says a second factor
    was given. A challenge works once. otp_challenge_invalid (401) for a bad,
    expired or used one; otp_invalid (400) or throttled (429) for the code."""
    try:
        data = signing.loads(challenge, salt=CHALLENGE_SALT, max_age=settings.OTP_CHALLENGE_SECONDS)
    except signing.BadSignature as exc:
        raise _challenge_invalid() from exc
    used = f"otp-challenge-used:{data['n']}"
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None or user.token_version != data["v"] or cache.get(used):
        raise _challenge_invalid()
    verified = two_factor_verify(user=user, code=code)
    if not cache.add(used, 1, timeout=settings.OTP_CHALLENGE_SECONDS):
        raise _challenge_invalid()
    return user, user_issue_tokens(user=user, client=client, two_factor=True), verified
