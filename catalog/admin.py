from django.contrib import admin

from catalog.models import Product, Stock, StockMovement
from catalog.services import product_create, product_delete, product_update
from core.admin import MerchantScopedAdmin, ReadOnlyAdminMixin, is_platform_admin


class StockInline(ReadOnlyAdminMixin, admin.StackedInline):
    """Stock changes only through the inventory API/services, which record movements."""

    model = Stock
    fields = ["available", "reserved", "sold", "updated_at"]
    readonly_fields = fields
    can_delete = False


class StockMovementInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StockMovement
    fields = ["created_at", "reason", "delta_available", "delta_reserved", "delta_sold", "note"]
    readonly_fields = fields
    ordering = ["-created_at"]
    max_num = 0
    extra = 0


@admin.register(Product)
class ProductAdmin(MerchantScopedAdmin):
    list_display = ["name", "merchant", "price", "currency", "is_active", "deleted_at"]
    list_filter = ["is_active", "currency", "merchant"]
    search_fields = ["name", "description", "slug", "merchant__email"]
    list_select_related = ["merchant"]
    readonly_fields = ["slug", "deleted_at", "created_at", "updated_at"]
    inlines = [StockInline, StockMovementInline]
    actions = ["soft_delete"]

    def get_fields(self, request, obj=None):
        fields = ["name", "description", "price", "currency", "is_active"]
        if is_platform_admin(request.user):
            fields.insert(0, "merchant")
        return fields + (self.readonly_fields if obj else [])

    def has_add_permission(self, request):
        return self._is_staff_merchant(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._is_staff_merchant(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # soft delete only, through the action

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.cleaned_data if f != "merchant"}
        if change:
            product_update(product=obj, data=data)
        else:
            merchant = form.cleaned_data.get("merchant") or request.user
            created = product_create(merchant=merchant, stock=0, **data)
            obj.pk, obj._state.adding = created.pk, False

    def save_related(self, request, form, formsets, change):
        form.save_m2m()

    @admin.action(description="Delete selected products (soft)")
    def soft_delete(self, request, queryset):
        for product in queryset:
            product_delete(product=product)
        self.message_user(request, f"{queryset.count()} product(s) removed from the catalog.")


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, MerchantScopedAdmin):
    merchant_lookup = "product__merchant"
    list_display = ["created_at", "product", "reason", "delta_available", "delta_reserved"]
    list_filter = ["reason"]
    search_fields = ["product__name", "reference"]
    list_select_related = ["product"]
