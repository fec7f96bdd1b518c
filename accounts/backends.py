from axes.backends import AxesBackend
from django.conf import settings

from accounts.models import User


def login_identity(request, credentials: dict | None) -> str:
    """The account a login attempt is for, as the login matches it: django-axes
    counts failures per this, so VICTIM@EXAMPLE.COM gets no fresh guesses."""
    submitted = credentials if credentials else getattr(request, "data", request.POST)
    return User.objects.normalize_email(submitted.get(settings.AXES_USERNAME_FORM_FIELD))


class LoginGuardBackend(AxesBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS. A login that
    comes without a request (Django's test client, a shell) has no client address
    to check, so it is left to ModelBackend instead of refused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
