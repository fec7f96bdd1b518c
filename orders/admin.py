from django.contrib import admin, messages

from core.admin import MerchantScopedAdmin, ReadOnlyAdminMixin, is_platform_admin, money_display
from core.exceptions import ApplicationError
from orders.models import Order, OrderEvent, OrderItem
from orders.services import order_cancel, order_fulfill


class OrderItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderItem
    unit_price_display = money_display("unit_price", label="unit price", currency="order.currency")
    fields = ["product", "merchant", "name", "unit_price_display", "quantity"]
    readonly_fields = fields
    extra = 0
    max_num = 0


class OrderEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderEvent
    fields = ["created_at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    max_num = 0


@admin.register(Order)
class OrderAdmin(ReadOnlyAdminMixin, MerchantScopedAdmin):
    """Orders change only through the actions, which call the order services."""

    merchant_lookup = "items__merchant"
    total_display = money_display("total", label="total")
    refunded_display = money_display("refunded_amount", label="refunded")
    exclude = ["total", "currency", "refunded_amount"]  # shown formatted, read-only
    list_display = ["number", "buyer", "status", "payment_method", "total_display", "created_at"]
    list_filter = ["status", "payment_method", "currency"]
    search_fields = ["id", "buyer__email", "items__name"]
    search_help_text = "An order number (K-10482), an id, a buyer's email or a product's name."
    list_select_related = ["buyer"]
    readonly_fields = [
        "number",
        "id",
        "buyer",
        "status",
        "payment_method",
        "total_display",
        "refunded_display",
        "reserved_until",
        "created_at",
        "updated_at",
    ]
    inlines = [OrderItemInline, OrderEventInline]
    actions = ["fulfil", "cancel"]

    def get_search_results(self, request, queryset, search_term):
        serial = Order.serial_from_number(search_term)
        if serial is not None:
            return queryset.filter(serial=serial), False
        return super().get_search_results(request, queryset, search_term)

    def has_change_permission(self, request, obj=None):
        # Actions need it; every field is read-only.
        return self._is_staff_merchant(request) or is_platform_admin(request.user)

    def run_on_own_orders(self, request, queryset, service, done: str):
        """Call `service(order=, actor=)` on each selected order the user sells
        every line of (staff: all), and say what happened to each."""
        for order in queryset:
            if not is_platform_admin(request.user) and {
                i.merchant_id for i in order.items.all()
            } != {request.user.pk}:
                self.message_user(
                    request, f"{order.pk}: other merchants' items too", messages.ERROR
                )
                continue
            try:
                service(order=order, actor=request.user)
            except ApplicationError as refused:
                self.message_user(request, f"{order.pk}: {refused}", messages.ERROR)
            else:
                self.message_user(request, f"{order.pk}: {done}", messages.SUCCESS)

    @admin.action(description="Fulfil selected paid orders")
    def fulfil(self, request, queryset):
        self.run_on_own_orders(request, queryset, order_fulfill, "fulfilled")

    @admin.action(description="Cancel selected unpaid orders (releases stock)")
    def cancel(self, request, queryset):
        self.run_on_own_orders(request, queryset, order_cancel, "cancelled")
