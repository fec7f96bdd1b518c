"""Admin plumbing: merchant-scoped admins, read-only records, a throttled login."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpResponse

from core.clients import client_ip
from core.models import IdempotencyKey
from core.money import format_money
from core.ratelimit import parse_rate

admin.site.site_header = admin.site.site_title = "Kassa administration"
admin.site.index_title = "Kassa"
admin.site.index_template = "admin/kassa_index.html"


def money_display(field: str, *, label: str, currency: str = "currency"):
    """A ModelAdmin attribute for a column or read-only field that shows minor
    units as money ("$25.00"); `currency` is the (dotted) path to the currency."""

    @admin.display(description=label, ordering=field)
    def show(model_admin, obj):
        amount, code = getattr(obj, field), obj
        for part in currency.split("."):
            code = getattr(code, part, None)
        return "-" if amount is None or not code else format_money(amount, code)

    return show


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

    def get_list_filter(self, request):
        """A filter on a related model offers only what the scoped rows refer to:
        Django's plain one lists every row of that model (every merchant's
        email, say) to whoever sees the list."""
        filters = super().get_list_filter(request)
        if is_platform_admin(request.user):
            return filters
        return [
            (item, admin.RelatedOnlyFieldListFilter) if self._is_relation(item) else item
            for item in filters
        ]

    def _is_relation(self, item) -> bool:
        if not isinstance(item, str):
            return False
        try:
            field = get_fields_from_path(self.model, item)[-1]
        except FieldDoesNotExist:
            return False
        return field.is_relation

    def has_module_permission(self, request):
        return self._is_staff_merchant(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._is_staff_merchant(request) or super().has_view_permission(request, obj)


def throttled_admin_login(request, extra_context=None):
    """The admin's login view, with failed attempts limited per client address
    (behind NUM_PROXIES trusted proxies, the client's, not the proxy's).

    Only failures count, so staff who type their password right are never
    locked out by someone else's guessing from another address.
    """
    allowed, period = parse_rate(settings.ADMIN_LOGIN_RATE)
    key = f"admin-login-failures:{client_ip(request)}"
    if request.method == "POST" and (cache.get(key) or 0) >= allowed:
        response = HttpResponse(
            "Too many failed logins from this address. Try again later.", status=429
        )
        response["Retry-After"] = str(period)
        return response
    response = admin.site.login(request, extra_context)
    failed = request.method == "POST" and not request.user.is_authenticated
    if failed and cache.add(key, 1, timeout=period) is False:
        cache.incr(key)
    return response


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """For support: what a client's Idempotency-Key did, and what it answered."""

    list_display = ["key", "user", "method", "path", "status", "response_status", "created_at"]
    list_filter = ["status", "method", "response_status"]
    search_fields = ["key", "user__email", "path"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
