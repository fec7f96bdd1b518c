from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User

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
    except IntegrityError as exc:
        raise ValidationError({"email": [EMAIL_TAKEN]}) from exc
    return user


def user_issue_tokens(*, user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}
