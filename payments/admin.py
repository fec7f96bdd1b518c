from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from core.admin import MerchantScopedAdmin, ReadOnlyAdminMixin, is_platform_admin, money_display
from core.exceptions import ApplicationError
from orders.admin import OrderAdmin
from orders.models import Order
from payments.errors import PaymentErrorCode
from payments.models import Checkout, Payment, PaymentAttempt, PaymentRefund, WebhookEvent
from payments.services import payment_retry, refund_order


class PaymentAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentAttempt
    fields = ["number", "started_at", "finished_at", "outcome", "error_message", "gateway_response"]
    readonly_fields = fields
    extra = 0
    max_num = 0


class PaymentRefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentRefund
    amount_display = money_display("amount", label="amount", currency="payment.currency")
    fields = ["created_at", "amount_display", "status", "reason", "gateway_reference", "created_by"]
    readonly_fields = fields
    extra = 0
    max_num = 0


class RetriesExhaustedFilter(admin.SimpleListFilter):
    title = "retries exhausted"
    parameter_name = "exhausted"

    def lookups(self, request, model_admin):
        return [("yes", "Retries exhausted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                status=Payment.Status.FAILED, failure_code=PaymentErrorCode.RETRIES_EXHAUSTED
            )
        return queryset


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, MerchantScopedAdmin):
    amount_display = money_display("amount", label="amount")
    refunded_display = money_display("refunded_amount", label="refunded")
    exclude = ["amount", "refunded_amount"]  # shown formatted, never as inputs
    list_display = [
        "id",
        "purpose",
        "method",
        "status",
        "amount_display",
        "payer",
        "failure_code",
        "updated_at",
    ]
    list_filter = [RetriesExhaustedFilter, "status", "purpose", "method", "gateway"]
    search_fields = ["id", "gateway_reference", "payer__email", "order__id", "checkout__id"]
    list_select_related = ["payer"]
    inlines = [PaymentAttemptInline, PaymentRefundInline]
    actions = ["retry_now"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser  # for the action; fields stay read-only

    def get_queryset(self, request):
        # A merchant sees the payments for their order lines and their checkouts.
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if is_platform_admin(request.user):
            return queryset
        mine = Q(order__items__merchant=request.user) | Q(checkout__merchant=request.user)
        return queryset.filter(mine).distinct()

    def get_readonly_fields(self, request, obj=None):
        money = {"amount", "refunded_amount"}
        fields = [field.name for field in Payment._meta.fields if field.name not in money]
        return [*fields, "amount_display", "refunded_display"]

    def get_urls(self):
        retry = self.admin_site.admin_view(require_POST(self.retry_view))
        return [
            path("<uuid:payment_id>/retry/", retry, name="payments_payment_retry")
        ] + super().get_urls()

    def retry_view(self, request, payment_id):
        """The admin index's dead-letter list: "Retry now" on one payment."""
        if not request.user.is_superuser:
            raise PermissionDenied
        self.retry_now(request, Payment.objects.filter(pk=payment_id))
        return redirect(request.POST.get("next") or "admin:index")

    @admin.action(description="Retry now (payments whose retries ran out)")
    def retry_now(self, request, queryset):
        for payment in queryset:
            try:
                payment_retry(payment=payment)
            except ApplicationError as refused:
                self.message_user(request, f"{payment.pk}: {refused}", messages.ERROR)
            else:
                self.message_user(request, f"{payment.pk}: queued again", messages.SUCCESS)


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdminMixin, MerchantScopedAdmin):
    amount_display = money_display("amount", label="amount")
    list_display = ["id", "merchant", "amount_display", "status", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["id", "merchant__email", "idempotency_key", "description"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "received_at",
        "provider",
        "event_type",
        "event_id",
        "signature_valid",
        "processed",
        "error",
    ]
    list_filter = ["provider", "signature_valid", "processed", "event_type"]
    search_fields = ["event_id", "body"]


# Orders' admin gains the refund, which goes through the payment gateway for a
# card order: payments is the app that may call both.
admin.site.unregister(Order)


@admin.register(Order)
class OrderWithRefundAdmin(OrderAdmin):
    actions = [*OrderAdmin.actions, "refund"]

    @admin.action(description="Refund selected orders in full (wallet or card)")
    def refund(self, request, queryset):
        def refund_in_full(*, order, actor):
            refund_order(order=order, amount=None, actor=actor, reason="refunded by staff")

        self.run_on_own_orders(request, queryset, refund_in_full, "refunded")
