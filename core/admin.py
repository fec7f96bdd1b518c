"""Admin plumbing: merchants who are staff see only their own rows."""

from django.contrib import admin


def is_platform_admin(user) -> bool:
    return user.is_superuser or getattr(user, "role", None) == "ADMIN"


class ReadOnlyAdminMixin:
    """For append-only records: viewable, never added, changed or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MerchantScopedAdmin(admin.ModelAdmin):
    """Staff merchants work on their own rows only; platform admins on all.

    `merchant_lookup` is the ORM path from the model to its merchant.
    """

    merchant_lookup = "merchant"

    def _is_staff_merchant(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and getattr(user, "role", None) == "MERCHANT"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_platform_admin(request.user):
            return queryset
        return queryset.filter(**{self.merchant_lookup: request.user}).distinct()

    def has_module_permission(self, request):
        return self._is_staff_merchant(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._is_staff_merchant(request) or super().has_view_permission(request, obj)
