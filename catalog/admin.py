from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from catalog.forms import StockAdjustForm
from catalog.models import Product, ProductCode, Stock, StockMovement
from catalog.services import product_create, product_delete, product_update, stock_adjust
from core import crypto
from core.admin import MerchantScopedAdmin, ReadOnlyAdminMixin, is_platform_admin, money_display
from core.exceptions import ApplicationError
from core.forms import CurrencyChoiceField, money_initial
from core.money import to_minor_units


class ProductAdminForm(forms.ModelForm):
    """The price typed and shown in major units ("19.99"), the currency a choice."""

    price = forms.CharField(label="Price", max_length=20, help_text="For example 19.99")
    currency = CurrencyChoiceField(label="Currency")
    delivery_kind = forms.ChoiceField(
        label="Delivery", choices=Product.DeliveryKind.choices, required=False
    )

    class Meta:
        model = Product
        fields = [
            "merchant",
            "name",
            "description",
            "price",
            "currency",
            "is_active",
            "delivery_kind",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.initial["price"] = money_initial(self.instance.price, self.instance.currency)

    def clean_delivery_kind(self):
        return self.cleaned_data["delivery_kind"] or Product.DeliveryKind.MANUAL

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("price") and cleaned.get("currency"):
            try:
                cleaned["price"] = to_minor_units(cleaned["price"], cleaned["currency"])
            except ValueError as exc:
                self.add_error("price", str(exc))
        return cleaned


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
    form = ProductAdminForm
    price_display = money_display("price", label="price")
    list_display = [
        "name",
        "merchant",
        "price_display",
        "delivery_kind",
        "available",
        "is_active",
        "deleted_at",
    ]
    list_filter = ["is_active", "delivery_kind", "currency", "merchant"]
    search_fields = ["name", "description", "slug", "merchant__email"]
    readonly_fields = ["slug", "deleted_at", "created_at", "updated_at"]
    inlines = [StockInline, StockMovementInline]
    actions = ["adjust_stock", "soft_delete"]
    list_select_related = ["merchant", "stock"]

    @admin.display(description="available", ordering="stock__available")
    def available(self, product):
        return product.stock_counts.available

    def get_fields(self, request, obj=None):
        fields = ["name", "description", "price", "currency", "is_active"]
        if is_platform_admin(request.user):
            fields.insert(0, "merchant")
        if obj is None:
            return [*fields, "delivery_kind"]  # chosen once, when the product is made
        return fields + ["delivery_kind_shown", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "delivery_kind_shown"] if obj else self.readonly_fields

    @admin.display(description="delivery")
    def delivery_kind_shown(self, product):
        return product.get_delivery_kind_display()

    def has_add_permission(self, request):
        return self._is_staff_merchant(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._is_staff_merchant(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # soft delete only, through the action

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.cleaned_data if f != "merchant"}
        if change:
            data.pop("delivery_kind", None)
            product_update(product=obj, data=data)
        else:
            merchant = form.cleaned_data.get("merchant") or request.user
            created = product_create(merchant=merchant, stock=0, **data)
            obj.pk, obj._state.adding = created.pk, False

    @admin.action(description="Adjust stock of selected products…")
    def adjust_stock(self, request, queryset):
        """Stock changes only as recorded movements, through the same service as the API."""
        form = StockAdjustForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for product in queryset:
                try:
                    stock_adjust(
                        product=product,
                        delta=form.cleaned_data["delta"],
                        actor=request.user,
                        note=form.cleaned_data["reason"],
                    )
                except ApplicationError as refused:
                    self.message_user(request, f"{product}: {refused}", messages.ERROR)
                else:
                    self.message_user(request, f"{product}: stock adjusted.", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/catalog/adjust_stock.html",
            {
                **self.admin_site.each_context(request),
                "title": "Adjust stock",
                "form": form,
                "products": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

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


@admin.register(ProductCode)
class ProductCodeAdmin(ReadOnlyAdminMixin, MerchantScopedAdmin):
    """Codes, masked: nobody reads a code in full here, staff included. They are
    added and voided through the dashboard or the API, which keep the stock."""

    merchant_lookup = "product__merchant"
    list_display = ["id", "product", "masked_code", "state", "order", "created_at"]
    list_filter = ["state"]
    search_fields = ["product__name"]
    list_select_related = ["product", "order_item"]
    fields = ["product", "masked_code", "state", "order", "created_at", "delivered_at", "voided_at"]
    readonly_fields = fields

    @admin.display(description="code")
    def masked_code(self, code):
        return crypto.mask(crypto.decrypt(code.ciphertext))

    @admin.display(description="order")
    def order(self, code):
        return code.order_item.order_id if code.order_item else "—"
