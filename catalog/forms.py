from django import forms

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


class NewProductForm(ProductForm):
    stock = forms.IntegerField(label="Stock", min_value=0, max_value=1_000_000, initial=0)


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(
        label="Units to add (negative to remove)", min_value=-1_000_000, max_value=1_000_000
    )
    reason = forms.CharField(label="Reason", max_length=255)

    def clean_delta(self):
        if self.cleaned_data["delta"] == 0:
            raise forms.ValidationError("Enter a number of units other than zero.")
        return self.cleaned_data["delta"]
