"""Role checks. request.user is loaded from the database on every request,
so a role change takes effect at once, whatever the token says."""

from rest_framework.permissions import BasePermission

from accounts.models import User


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
