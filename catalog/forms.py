"""Catalog forms the admin and the merchant dashboard share."""

from django import forms


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(
        label="Units to add (negative to remove)", min_value=-1_000_000, max_value=1_000_000
    )
    reason = forms.CharField(label="Reason", max_length=255)

    def clean_delta(self):
        if self.cleaned_data["delta"] == 0:
            raise forms.ValidationError("Enter a number of units other than zero.")
        return self.cleaned_data["delta"]
