"""Verified email: the link sent at registration (and by "Resend"), changing the
email (the new address is verified before it replaces the old), and the gate
on what an unverified account may not do yet."""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.errors import AccountErrorCode
from accounts.locks import user_qs_for_update
from accounts.models import User
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.ratelimit import rate_key, rate_limit_hit
from core.task_names import SEND_VERIFICATION_EMAIL

SALT = "accounts.email-verification"


def email_verified_check(*, user: User) -> None:
    """The gate for withdrawing and putting products on sale: email_unverified
    (403) until the account used its link, unless KASSA_EMAIL_VERIFICATION is
    optional."""
    if settings.KASSA_EMAIL_VERIFICATION == "optional" or user.email_verified:
        return
    raise ApplicationError(
        "Verify your email address first: use the link we sent you, or ask for a new "
        'one with "Resend".',
        code=AccountErrorCode.EMAIL_UNVERIFIED,
        status=403,
    )


def email_verification_enqueue(*, user: User, email: str) -> None:
    enqueue_on_commit(SEND_VERIFICATION_EMAIL, str(user.pk), email)


def _throttle(scope: str, user: User) -> None:
    if wait := rate_limit_hit(rate_key(scope, str(user.pk)), settings.EMAIL_RESEND_RATE):
        raise ApplicationError(
            "That email was sent a few times already; try again later.",
            code=AccountErrorCode.THROTTLED,
            status=429,
            extra={"retry_after": wait},
        )


def email_verification_resend(*, user: User) -> None:
    """ "Resend": a fresh link to the account's email. Throttled per account
    (EMAIL_RESEND_RATE, 429)."""
    if user.email_verified:
        return
    _throttle("verify-resend", user)
    email_verification_enqueue(user=user, email=user.email)


def email_change_request(*, user: User, new_email: str, password: str) -> None:
    """Send a link to `new_email`; the account keeps its email until the link is
    used. ValidationError for a wrong password or an email another account has."""
    new_email = User.objects.normalize_email(new_email)
    if not check_password(password, user.password):
        raise ValidationError({"password": ["The password is not correct."]})
    if new_email == user.email:
        raise ValidationError({"new_email": ["That is already your email."]})
    if User.objects.filter(email__iexact=new_email).exists():
        raise ValidationError({"new_email": ["A user with this email already exists."]})
    _throttle("email-change", user)
    email_verification_enqueue(user=user, email=new_email)


def email_verification_token(*, user: User, email: str) -> str:
    # The current email is signed in too: once the account's email changes,
    # every link made before it stops working.
    return signing.dumps({"u": str(user.pk), "e": email, "from": user.email}, salt=SALT)


def email_verification_send(*, user_id: str, email: str) -> None:
    """The task's body: the link, to `email` (the account's, or the one it is
    changing to)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    token = email_verification_token(user=user, email=email)
    changing = email != user.email
    context = {
        "user": user,
        "changing": changing,
        "url": settings.SITE_URL + reverse("storefront:email_verify", args=[token]),
        "days": settings.EMAIL_VERIFICATION_DAYS,
    }
    send_mail(
        subject="Confirm your new Kassa email" if changing else "Verify your Kassa email",
        message=render_to_string("emails/verify_email.txt", context),
        from_email=None,
        recipient_list=[email],
    )


def _link_invalid() -> ApplicationError:
    return ApplicationError(
        "This link is not valid any more: it has expired, was used, or the email changed "
        "since. Ask for a new one.",
        code=AccountErrorCode.LINK_INVALID,
        status=400,
    )


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Use a verification link: the email it names becomes the account's, verified.
    Using it again changes nothing. link_invalid (400) for a forged, expired or
    superseded link; email_taken (409) if another account took the address."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.EMAIL_VERIFICATION_DAYS * 86400)
    except signing.BadSignature as exc:
        raise _link_invalid() from exc
    user = user_qs_for_update().filter(pk=data["u"], is_active=True).first()
    if user is None:
        raise _link_invalid()
    if user.email == data["e"] and user.email_verified:
        return user
    if user.email != data["from"]:
        raise _link_invalid()
    if User.objects.filter(email__iexact=data["e"]).exclude(pk=user.pk).exists():
        raise ApplicationError(
            "Another account uses this email now.", code=AccountErrorCode.EMAIL_TAKEN, status=409
        )
    user.email = data["e"]
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email", "email_verified_at"])
    return user
