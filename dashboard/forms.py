"""The merchant's forms. Money is typed in major units ("19.99") and cleaned to
minor units; every money-moving form carries its one-time key."""

import csv
import io

from django import forms
from django.conf import settings

from accounts.models import ApiKey
from catalog.models import Product
from core.forms import CurrencyChoiceField, MoneyField, MoneyFormMixin, OneTimeKeyForm
from events.types import EVERY_TYPE, registered
from orders.limits import MAX_FULFILMENT_NOTE

# --- products, codes and files ------------------------------------------------------


class ProductForm(MoneyFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(
        label="Description",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    price = MoneyField(label="Price")
    currency = CurrencyChoiceField(label="Currency")
    unlimited_stock = forms.BooleanField(
        label="Sell without counting units (downloads only)", required=False
    )
    codes_low_threshold = forms.IntegerField(
        label="Warn when fewer codes than this are left (codes only)",
        min_value=1,
        max_value=1_000_000,
        required=False,
        help_text="A codes.running_low event for your webhooks. Empty: never.",
    )
    activation_limit = forms.IntegerField(
        label="Machines per key (licences only)",
        min_value=1,
        max_value=1_000_000,
        required=False,
        initial=1,
        help_text="How many instances one key may be activated on. Empty: unlimited. "
        "Keys already sold keep their limit.",
    )
    licence_days = forms.IntegerField(
        label="Days a key is valid (licences only)",
        min_value=1,
        max_value=36_500,
        required=False,
        help_text="Counted from payment. Empty: forever.",
    )
    stock_buckets = forms.IntegerField(
        label="Flash-sale buckets (1: off)",
        min_value=1,
        max_value=64,
        initial=1,
        required=False,
        help_text="For a sale thousands of buyers start at once: the units spread over this "
        "many rows so their checkouts do not wait for one another.",
    )

    def clean_stock_buckets(self) -> int:
        return self.cleaned_data["stock_buckets"] or 1


class NewProductForm(ProductForm):
    delivery_kind = forms.ChoiceField(
        label="Delivery",
        choices=Product.DeliveryKind.choices,
        initial=Product.DeliveryKind.MANUAL,
        required=False,
        help_text="Codes: upload them next, each is one unit of stock. "
        "Download: upload the file next. Licence keys: one generated per unit sold.",
    )
    stock = forms.IntegerField(
        label="Stock",
        min_value=0,
        max_value=1_000_000,
        initial=0,
        help_text="Left at 0 for a codes product.",
    )

    def clean_delivery_kind(self):
        return self.cleaned_data["delivery_kind"] or Product.DeliveryKind.MANUAL


class CodesUploadForm(forms.Form):
    """Codes pasted one per line, or a text or CSV file (first column)."""

    codes = forms.CharField(
        label="Codes, one per line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
    )
    codes_file = forms.FileField(label="Or a text or CSV file", required=False)

    def clean(self):
        lines = (self.cleaned_data.get("codes") or "").splitlines()
        upload = self.cleaned_data.get("codes_file")
        if upload:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file must be UTF-8 text or CSV.") from exc
            lines += [row[0] if row else "" for row in csv.reader(io.StringIO(text))]
        codes = [line.strip() for line in lines]
        if codes and codes[0].lower() == "code":
            codes = codes[1:]  # a CSV header
        codes = [code for code in codes if code]
        if not codes:
            raise forms.ValidationError("Paste at least one code or choose a file.")
        if len(codes) > settings.MAX_CODES_PER_UPLOAD:
            raise forms.ValidationError(
                f"At most {settings.MAX_CODES_PER_UPLOAD} codes at a time; this has {len(codes)}."
            )
        too_long = [n for n, code in enumerate(codes, 1) if len(code) > settings.MAX_CODE_LENGTH]
        if too_long:
            listed = ", ".join(map(str, too_long[:10]))
            raise forms.ValidationError(
                f"Codes are at most {settings.MAX_CODE_LENGTH} characters: see code {listed}."
            )
        self.cleaned_data["code_list"] = codes
        return self.cleaned_data


class ProductFileForm(forms.Form):
    file = forms.FileField(label="File", allow_empty_file=False)


class ProductImageForm(forms.Form):
    # A plain file field: Pillow's checks (catalog.services.images) give the
    # error, the same one the API gives.
    image = forms.FileField(
        label="Image to upload (JPEG, PNG, WebP or GIF)",
        allow_empty_file=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )


# --- sales ----------------------------------------------------------------------------


class FulfilForm(forms.Form):
    note = forms.CharField(
        label="Code or message for the buyer",
        max_length=MAX_FULFILMENT_NOTE,
        required=False,
        strip=True,
        help_text="Optional. The buyer sees it on the order page and in the email that "
        "the order is ready.",
    )


class RefundForm(MoneyFormMixin, OneTimeKeyForm):
    amount = MoneyField(label="Amount", required=False, help_text="Empty: everything that is left.")
    reason = forms.CharField(label="Reason", max_length=255, required=False)

    def __init__(self, *args, currency: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency


# --- payment links, wallet and exports ------------------------------------------------


class PaymentLinkForm(MoneyFormMixin, OneTimeKeyForm):
    amount = MoneyField(label="Amount")
    currency = CurrencyChoiceField(label="Currency")
    description = forms.CharField(label="Description", max_length=255, required=False)


class DateRangeForm(forms.Form):
    """An export's period, both days included."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError("The period must end on or after its first day.")
        return cleaned


# --- developers: API keys and webhook endpoints ------------------------------------


class ApiKeyForm(OneTimeKeyForm):
    name = forms.CharField(label="Name", max_length=100, help_text="Say which server uses it.")
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=ApiKey.Scope.choices,
        initial=[ApiKey.Scope.READ],
        widget=forms.CheckboxSelectMultiple,
    )


def _event_type_choices():
    return [(EVERY_TYPE, "Every event")] + [(t.name, t.name) for t in registered()]


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=2000,
        help_text="https:// and a public address; Kassa POSTs each event there.",
    )
    events = forms.MultipleChoiceField(
        label="Events", choices=_event_type_choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label="Description", max_length=255, required=False)


# --- discount codes -----------------------------------------------------------------


class DiscountForm(MoneyFormMixin, forms.Form):
    code = forms.RegexField(
        label="Code",
        regex=r"^[A-Za-z0-9_-]{3,40}$",
        max_length=40,
        help_text="3–40 letters, digits, - or _. Customers may type it in any case.",
        error_messages={"invalid": "Use 3–40 letters, digits, - or _."},
    )
    percent_off = forms.IntegerField(
        label="Percent off", min_value=1, max_value=100, required=False
    )
    amount_off = MoneyField(label="Or an amount off", required=False)
    currency = CurrencyChoiceField(label="Currency (of an amount or a minimum)")
    min_subtotal = MoneyField(
        label="Minimum subtotal of its products", required=False, help_text="Empty: none."
    )
    products = forms.ModelMultipleChoiceField(
        label="Products",
        queryset=Product.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: all your products.",
    )
    starts_at = forms.DateTimeField(
        label="Starts", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label="Ends", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    max_redemptions = forms.IntegerField(
        label="Redemptions in all",
        min_value=1,
        max_value=1_000_000,
        required=False,
        help_text="Empty: no limit.",
    )
    once_per_customer = forms.BooleanField(label="Once per customer", required=False)

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        if products is not None:
            self.fields["products"].queryset = products

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("percent_off") is None) == (not cleaned.get("amount_off")):
            raise forms.ValidationError("Give a percent off or an amount off, not both.")
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "Must be after the start.")
        return cleaned

    def discount_fields(self) -> dict:
        """The cleaned form as discount_create takes it."""
        data = dict(self.cleaned_data)
        products = data.pop("products")
        data["amount_off"] = data["amount_off"] or None
        data["min_subtotal"] = data["min_subtotal"] or None
        if not (data["amount_off"] or data["min_subtotal"]):
            data["currency"] = ""  # a percent off an order in any currency
        return {**data, "product_ids": [product.pk for product in products]}
