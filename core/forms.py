"""Form pieces shared by every page: money in major units and the one-time key."""

import uuid

from django import forms

from core.money import currencies, default_currency, to_major_units, to_minor_units


class MoneyField(forms.CharField):
    """People type "25.00"; cleaned_data holds 2500. The currency comes from the
    form's `currency` field when it has one, else the default currency."""

    def __init__(self, *, currency_field: str = "currency", **kwargs):
        self.currency_field = currency_field
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)


class MoneyFormMixin:
    """Converts every MoneyField once the currency is known: the form's `currency`
    field, else its `currency` attribute (say an order's), else the default."""

    currency: str | None = None

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency") or self.currency or default_currency()
        for name, field in self.fields.items():
            if isinstance(field, MoneyField) and cleaned.get(name):
                try:
                    cleaned[name] = to_minor_units(cleaned[name], currency)
                except ValueError as exc:
                    self.add_error(name, str(exc))
        return cleaned


def money_initial(amount: int, currency: str) -> str:
    return to_major_units(amount, currency).replace(",", "")


class CurrencyChoiceField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=[(code, code) for code in currencies()], initial=default_currency(), **kwargs
        )


# The one-time key a server-rendered form (a page, or the browsable API's HTML
# form) carries in place of the Idempotency-Key header.
FORM_KEY_FIELD = "form_key"


class OneTimeKeyForm(forms.Form):
    """Every money-moving form carries a key rendered with it: the Idempotency-Key
    of what it posts, so a double click or a resubmitted page runs once."""

    form_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("form_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
