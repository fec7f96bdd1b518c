from django.contrib import admin, messages

from core.admin import ReadOnlyAdminMixin
from core.exceptions import ApplicationError
from payments.models import Checkout, Payment, PaymentAttempt, PaymentRefund, WebhookEvent
from payments.services import payment_retry


class PaymentAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentAttempt
    fields = ["number", "started_at", "finished_at", "outcome", "error_message", "gateway_response"]
    readonly_fields = fields
    extra = 0
    max_num = 0


class PaymentRefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentRefund
    fields = ["created_at", "amount", "status", "reason", "gateway_reference", "created_by"]
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
            return queryset.filter(status=Payment.Status.FAILED, failure_code="retries_exhausted")
        return queryset


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "purpose",
        "method",
        "status",
        "amount",
        "currency",
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

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Payment._meta.fields]

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
class CheckoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "merchant", "amount", "currency", "status", "created_at"]
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
