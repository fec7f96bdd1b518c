from django import forms
from django.conf import settings

from core.forms import MoneyField, MoneyFormMixin, OneTimeKeyForm
from core.money import default_currency, format_money
from orders.forms import TEST_CARDS


class DepositForm(MoneyFormMixin, OneTimeKeyForm):
    amount = MoneyField(label="Amount")
    card_token = forms.ChoiceField(label="Card", choices=TEST_CARDS)

    def clean(self):
        cleaned = super().clean()
        if isinstance(cleaned.get("amount"), int) and cleaned["amount"] > settings.MAXIMUM_DEPOSIT:
            limit = format_money(settings.MAXIMUM_DEPOSIT, default_currency())
            self.add_error("amount", f"Deposits are limited to {limit}.")
        return cleaned


class WithdrawForm(MoneyFormMixin, OneTimeKeyForm):
    amount = MoneyField(label="Amount")

    def clean(self):
        cleaned = super().clean()
        if (
            isinstance(cleaned.get("amount"), int)
            and cleaned["amount"] < settings.MINIMUM_WITHDRAWAL
        ):
            minimum = format_money(settings.MINIMUM_WITHDRAWAL, default_currency())
            self.add_error("amount", f"Withdrawals start at {minimum}.")
        return cleaned


class DateRangeForm(forms.Form):
    """An export's period, both days included."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError("The period must end on or after its first day.")
        return cleaned
