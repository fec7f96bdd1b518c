import csv
import io

from django import forms
from django.conf import settings

from catalog.models import Product
from core.forms import CurrencyChoiceField, MoneyField, MoneyFormMixin
from core.money import default_currency, to_minor_units


class CatalogFilterForm(forms.Form):
    """The storefront's search and price range, typed in major units."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    min_price = forms.CharField(label="Lowest price", required=False, max_length=20)
    max_price = forms.CharField(label="Highest price", required=False, max_length=20)

    def _price(self, name):
        text = self.cleaned_data.get(name)
        if not text:
            return None
        try:
            return to_minor_units(text, default_currency())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_min_price(self):
        return self._price("min_price")

    def clean_max_price(self):
        return self._price("max_price")

    def filters(self) -> dict:
        """The validated filters, in the shape product_list_public takes."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


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


class NewProductForm(ProductForm):
    delivery_kind = forms.ChoiceField(
        label="Delivery",
        choices=Product.DeliveryKind.choices,
        initial=Product.DeliveryKind.MANUAL,
        required=False,
        help_text="Codes: upload them next, each is one unit of stock. "
        "Download: upload the file next.",
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


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(
        label="Units to add (negative to remove)", min_value=-1_000_000, max_value=1_000_000
    )
    reason = forms.CharField(label="Reason", max_length=255)

    def clean_delta(self):
        if self.cleaned_data["delta"] == 0:
            raise forms.ValidationError("Enter a number of units other than zero.")
        return self.cleaned_data["delta"]
