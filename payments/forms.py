from django import forms

from core.forms import CurrencyChoiceField, MoneyField, MoneyFormMixin, OneTimeKeyForm
from orders.forms import TEST_CARDS
from payments.models import Payment


class CheckoutPayForm(OneTimeKeyForm):
    payment_method = forms.ChoiceField(
        label="Pay with",
        choices=[(Payment.Method.WALLET, "Wallet"), (Payment.Method.CARD, "Card")],
        initial=Payment.Method.WALLET,
        widget=forms.RadioSelect,
    )
    card_token = forms.ChoiceField(label="Card", choices=TEST_CARDS, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("payment_method") == Payment.Method.WALLET:
            cleaned["card_token"] = ""
        elif not cleaned.get("card_token"):
            self.add_error("card_token", "Choose a card to pay by card.")
        return cleaned


class PaymentLinkForm(MoneyFormMixin, OneTimeKeyForm):
    amount = MoneyField(label="Amount")
    currency = CurrencyChoiceField(label="Currency")
    description = forms.CharField(label="Description", max_length=255, required=False)
