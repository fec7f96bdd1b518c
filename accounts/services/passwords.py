""" "Forgot password?": Django's token generator signs the link (it hashes the
password and the last login, so a link works once, and for
PASSWORD_RESET_TIMEOUT)."""

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.errors import AccountErrorCode
from accounts.locks import user_qs_for_update
from accounts.models import User
from accounts.services.sign_ins import user_end_tokens_and_sessions
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.ratelimit import rate_key, rate_limit_hit
from core.task_names import SEND_PASSWORD_RESET_EMAIL


def password_reset_request(*, email: str, client_ip: str) -> None:
    """Ask for a reset link. The same work whether or not an account uses the
    email: the lookup and the mail happen in a task, so neither the answer nor
    its time tells. Throttled per address and per email (PASSWORD_RESET_RATE,
    429)."""
    email = User.objects.normalize_email(email)
    for scope, value in (("reset-ip", client_ip), ("reset-email", email)):
        if wait := rate_limit_hit(rate_key(scope, value), settings.PASSWORD_RESET_RATE):
            raise ApplicationError(
                "Too many reset requests; try again later.",
                code=AccountErrorCode.THROTTLED,
                status=429,
                extra={"retry_after": wait},
            )
    enqueue_on_commit(SEND_PASSWORD_RESET_EMAIL, email)


def password_reset_email_send(*, email: str) -> None:
    """The task's body: the link, if an active account with a usable password
    has this email; nothing otherwise."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    context = {
        "user": user,
        "url": settings.SITE_URL + reverse("storefront:password_reset_confirm", args=[uid, token]),
        "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    }
    send_mail(
        subject="Reset your Kassa password",
        message=render_to_string("emails/password_reset.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def password_reset_user(*, uidb64: str) -> User | None:
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        return User.objects.filter(pk=pk, is_active=True).first()
    except (TypeError, ValueError, OverflowError, ValidationError):
        return None


def _link_invalid() -> ApplicationError:
    return ApplicationError(
        "This reset link is not valid any more: it has expired or was used. Ask for a new one.",
        code=AccountErrorCode.LINK_INVALID,
        status=400,
    )


@transaction.atomic
def password_reset_complete(*, uidb64: str, token: str, new_password: str) -> User:
    """Set the password a reset link asked for, and end every session and token
    of the account, as a password change does. The link proves the email too.

    The user row is locked before the token is checked, so of two requests with
    one link exactly one succeeds (the other sees the new password's hash).
    link_invalid (400) for a bad, used or expired link; ValidationError keyed
    new_password for a weak one.
    """
    found = password_reset_user(uidb64=uidb64)
    user = user_qs_for_update().filter(pk=found.pk).first() if found else None
    if user is None or not default_token_generator.check_token(user, token):
        raise _link_invalid()
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.email_verified_at = user.email_verified_at or timezone.now()
    user_end_tokens_and_sessions(user=user)
    user.save(update_fields=["password", "token_version", "email_verified_at"])
    return user
