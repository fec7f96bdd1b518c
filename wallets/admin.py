from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from core.admin import ReadOnlyAdminMixin, money_display
from core.exceptions import ApplicationError
from core.money import MAX_AMOUNT
from wallets.models import LedgerEntry, Transfer, Wallet
from wallets.services import wallet_adjust


class AdjustmentForm(forms.Form):
    amount = forms.IntegerField(
        min_value=-MAX_AMOUNT,
        max_value=MAX_AMOUNT,
        help_text="Minor units: positive credits the wallet, negative debits it.",
    )
    reason = forms.CharField(max_length=255, help_text="Recorded on the transfer.")

    def clean_amount(self):
        if self.cleaned_data["amount"] == 0:
            raise forms.ValidationError("Must not be zero.")
        return self.cleaned_data["amount"]


class LedgerEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LedgerEntry
    amount_display = money_display("amount", label="amount", currency="wallet.currency")
    after_display = money_display(
        "balance_after", label="balance after", currency="wallet.currency"
    )
    fields = ["created_at", "transfer", "amount_display", "after_display"]
    readonly_fields = fields
    ordering = ["-id"]
    extra = 0
    max_num = 0


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Balances are never edited: corrections are ADJUSTMENT transfers (the action)."""

    balance_display = money_display("balance", label="balance")
    exclude = ["balance"]  # shown formatted, never as an input
    list_display = ["__str__", "kind", "owner", "system_name", "balance_display", "updated_at"]
    list_filter = ["kind", "currency", "system_name"]
    search_fields = ["owner__email", "id"]
    list_select_related = ["owner"]
    inlines = [LedgerEntryInline]
    actions = ["create_adjustment"]

    def has_change_permission(self, request, obj=None):
        # Needed to run actions; every field stays read-only (get_readonly_fields).
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [*(f.name for f in Wallet._meta.fields if f.name != "balance"), "balance_display"]

    @admin.action(description="Create a balancing adjustment…")
    def create_adjustment(self, request, queryset):
        if "apply" in request.POST:
            form = AdjustmentForm(request.POST)
            if form.is_valid():
                for wallet in queryset:
                    try:
                        wallet_adjust(
                            wallet=wallet,
                            amount=form.cleaned_data["amount"],
                            reason=form.cleaned_data["reason"],
                            created_by=request.user,
                        )
                    except ApplicationError as refused:
                        self.message_user(request, f"{wallet}: {refused}", messages.ERROR)
                    else:
                        self.message_user(request, f"Adjusted {wallet}.", messages.SUCCESS)
                return None
        else:
            form = AdjustmentForm()
        return TemplateResponse(
            request,
            "admin/wallets/adjust.html",
            {
                **self.admin_site.each_context(request),
                "title": "Create a balancing adjustment",
                "form": form,
                "wallets": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    amount_display = money_display("amount", label="amount")
    list_display = ["created_at", "kind", "amount_display", "reference", "created_by"]
    list_filter = ["kind", "currency"]
    search_fields = ["id", "reference", "description"]
    list_select_related = ["created_by"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    amount_display = money_display("amount", label="amount", currency="wallet.currency")
    before_display = money_display("balance_before", label="before", currency="wallet.currency")
    after_display = money_display("balance_after", label="after", currency="wallet.currency")
    list_display = [
        "id",
        "created_at",
        "wallet",
        "amount_display",
        "before_display",
        "after_display",
    ]
    search_fields = ["wallet__owner__email", "transfer__id"]
    list_select_related = ["wallet"]
