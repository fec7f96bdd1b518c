"""Role checks. request.user is loaded from the database on every request,
so a role change takes effect at once, whatever the token says."""

from enum import StrEnum

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.errors import AccountErrorCode
from accounts.models import ApiKey, User


class _HasRole(BasePermission):
    roles: tuple[str, ...] = ()

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role in self.roles)


class IsCustomer(_HasRole):
    message = "Only customers can do this."
    roles = (User.Role.CUSTOMER,)


class IsMerchant(_HasRole):
    message = "Only merchants can do this."
    roles = (User.Role.MERCHANT,)


class IsAdmin(_HasRole):
    message = "Only administrators can do this."
    roles = (User.Role.ADMIN,)


class IsMerchantOrAdmin(_HasRole):
    message = "Only merchants and administrators can do this."
    roles = (User.Role.MERCHANT, User.Role.ADMIN)


class ApiKeyAccess(StrEnum):
    """What a merchant API key may do at a view: its `api_key_access`. Checked by
    accounts.authentication.ApiKeyAuthentication for every view that accepts
    the API's default authentication, so a view that says nothing is read-only
    for keys (fail closed)."""

    NONE = "none"  # never with a key: the keys themselves, the password, money out
    READ = "read"  # reads with any key, no writes (the default)
    WRITE = "write"  # reads with any key, writes with a key that has the write scope


def api_key_check_access(*, key: ApiKey, view, method: str) -> None:
    """Raises PermissionDenied (403) with api_key_not_allowed or insufficient_scope."""
    access = getattr(view, "api_key_access", ApiKeyAccess.READ)
    if access == ApiKeyAccess.NONE:
        raise PermissionDenied(
            "API keys cannot do this; log in as the merchant instead.",
            code=AccountErrorCode.API_KEY_NOT_ALLOWED,
        )
    if method in SAFE_METHODS:
        return
    if access != ApiKeyAccess.WRITE:
        raise PermissionDenied(
            "API keys can only read here.", code=AccountErrorCode.API_KEY_NOT_ALLOWED
        )
    if not key.can_write:
        raise PermissionDenied(
            "This API key has the read scope only; this needs write.",
            code=AccountErrorCode.INSUFFICIENT_SCOPE,
        )
