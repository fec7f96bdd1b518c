import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def merchant_required(view):
    """Pages of the merchant dashboard: logged in (else to "Log in") and a
    merchant (else 403)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_merchant:
            raise PermissionDenied("The dashboard is for merchants.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)
