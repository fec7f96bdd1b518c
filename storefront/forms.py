"""The customer's forms. Money is typed in major units ("25.00") and cleaned to
minor units; every money-moving form carries its one-time key."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from accounts.models import User
from accounts.services import password_reset_complete, password_reset_request
from core.clients import client_ip
from core.forms import OneTimeKeyForm
from core.money import default_currency, to_minor_units
from orders.limits import MAX_QUANTITY
from orders.models import Order
from payments.gateways import TEST_CARDS
from payments.models import Payment
from wallets.forms import WalletAmountForm
from wallets.services import deposit_amount_check

# --- catalog and cart ---------------------------------------------------------------


# ?sort= on the catalog: its values, the selector's ordering, the label shown.
SORTS = {
    "": (None, "Newest"),
    "price": ("price", "Price"),
    "price-desc": ("-price", "Price, high to low"),
}


class CatalogFilterForm(forms.Form):
    """The storefront's search, sort and price range (typed in major units)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    sort = forms.ChoiceField(
        label="Sort",
        required=False,
        choices=[(key, label) for key, (_, label) in SORTS.items()],
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
        filters = {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name != "sort"
        }
        if ordering := SORTS.get(self.cleaned_data.get("sort"), (None,))[0]:
            filters["ordering"] = ordering
        return filters


class CartAddForm(forms.Form):
    product_id = forms.UUIDField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label="Quantity", min_value=1, max_value=MAX_QUANTITY)


class CartUpdateForm(forms.Form):
    product_id = forms.UUIDField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label="Quantity", min_value=0, max_value=MAX_QUANTITY)


class DiscountCodeForm(forms.Form):
    code = forms.CharField(label="Discount code", required=False, max_length=40)


class CheckoutForm(OneTimeKeyForm):
    payment_method = forms.ChoiceField(
        label="Pay with",
        choices=[(Order.PaymentMethod.WALLET, "Wallet"), (Order.PaymentMethod.CARD, "Card")],
        initial=Order.PaymentMethod.WALLET,
        widget=forms.RadioSelect,
    )


class CardPaymentForm(OneTimeKeyForm):
    card_token = forms.ChoiceField(label="Card", choices=TEST_CARDS)


class CheckoutPayForm(OneTimeKeyForm):
    """The hosted page of a payment link."""

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


# --- wallet ---------------------------------------------------------------------------


class DepositForm(WalletAmountForm):
    card_token = forms.ChoiceField(label="Card", choices=TEST_CARDS)
    amount_rule = staticmethod(deposit_amount_check)


# --- account --------------------------------------------------------------------------


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class RegisterForm(forms.Form):
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password",
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    role = forms.ChoiceField(
        label="I want to",
        choices=[(User.Role.CUSTOMER, "Buy on Kassa"), (User.Role.MERCHANT, "Sell on Kassa")],
        initial=User.Role.CUSTOMER,
        widget=forms.RadioSelect,
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Current password",
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="New password",
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label="New email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Current password",
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetRequestForm(PasswordResetForm):
    """Django's form, whose save() asks the service instead of mailing here and
    now: the lookup and the mail happen in a task, so the page answers alike
    for every email."""

    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def save(self, *, request, **kwargs):
        password_reset_request(email=self.cleaned_data["email"], client_ip=client_ip(request))


class PasswordResetSetForm(SetPasswordForm):
    """Django's form; save() sets the password through the service, which checks
    the link again under a lock and ends every other session and token."""

    new_password1 = forms.CharField(
        label="New password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="New password again",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, uidb64: str, token: str, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.uidb64, self.token = uidb64, token

    def save(self, commit=True):
        return password_reset_complete(
            uidb64=self.uidb64, token=self.token, new_password=self.cleaned_data["new_password1"]
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Authentication code",
        max_length=32,
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )
