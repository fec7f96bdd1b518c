from django import forms

from core.forms import MoneyField, MoneyFormMixin, OneTimeKeyForm
from orders.models import Order
from orders.services import MAX_QUANTITY


class CartAddForm(forms.Form):
    product_id = forms.UUIDField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label="Quantity", min_value=1, max_value=MAX_QUANTITY)


class CartUpdateForm(forms.Form):
    product_id = forms.UUIDField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label="Quantity", min_value=0, max_value=MAX_QUANTITY)


class CheckoutForm(OneTimeKeyForm):
    payment_method = forms.ChoiceField(
        label="Pay with",
        choices=[(Order.PaymentMethod.WALLET, "Wallet"), (Order.PaymentMethod.CARD, "Card")],
        initial=Order.PaymentMethod.WALLET,
        widget=forms.RadioSelect,
    )


# The simulated gateway's test cards, in plain words.
TEST_CARDS = [
    ("tok_visa", "Visa ending 4242 — pays at once"),
    ("tok_flaky", "Flaky card — the gateway fails twice, then pays"),
    ("tok_chargeDeclined", "Card that is declined"),
    ("tok_timeout", "Card whose gateway never answers"),
]


class CardPaymentForm(OneTimeKeyForm):
    card_token = forms.ChoiceField(label="Card", choices=TEST_CARDS)


class RefundForm(MoneyFormMixin, OneTimeKeyForm):
    amount = MoneyField(label="Amount", required=False, help_text="Empty: everything that is left.")
    reason = forms.CharField(label="Reason", max_length=255, required=False)

    def __init__(self, *args, currency: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
