from axes.backends import AxesBackend


class LoginGuardBackend(AxesBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS. A login that
    comes without a request (Django's test client, a shell) has no client address
    to check, so it is left to ModelBackend instead of refused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
