"""The hosted pay page a merchant's payment link opens: /pay/<checkout id>/."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from core.money import format_money
from core.pages import run_form_action
from payments.models import Checkout
from payments.selectors import checkout_failed_payment_of, checkout_get
from payments.services import payment_create_for_checkout
from storefront.forms import CheckoutPayForm
from wallets.errors import WalletErrorCode
from wallets.selectors import wallet_balances


def _checkout(checkout_id) -> Checkout:
    try:
        return checkout_get(checkout_id=checkout_id)
    except Http404:
        raise Http404("No such payment link.") from None


@require_http_methods(["GET", "POST"])
def checkout_pay(request, checkout_id):
    checkout = _checkout(checkout_id)
    form = CheckoutPayForm(request.POST or None)
    payable = checkout.status in (Checkout.Status.PENDING, Checkout.Status.FAILED)
    if request.method == "POST" and request.user.is_authenticated and payable and form.is_valid():
        data = form.cleaned_data

        def pay() -> dict:
            payment = payment_create_for_checkout(
                checkout=checkout,
                payer=request.user,
                method=data["payment_method"],
                card_token=data["card_token"],
            )
            return {"payment_id": str(payment.pk)}

        run_form_action(request, form, pay)
        return redirect("storefront:checkout_pay", checkout_id=checkout.pk)
    context = {"checkout": checkout, "form": form}
    if request.user.is_authenticated and checkout.status == Checkout.Status.FAILED:
        context |= _failure(checkout, request.user)
    return render(request, "storefront/checkout_pay.html", context)


def _failure(checkout: Checkout, payer) -> dict:
    """Why the payer's last payment failed, said to them alone: too little in
    the wallet says how much it holds now (anyone with the link sees the page)."""
    failed = checkout_failed_payment_of(checkout=checkout, payer=payer)
    if failed is None:
        return {}
    if failed.failure_code != WalletErrorCode.INSUFFICIENT_FUNDS:
        return {"failure": failed.failure_message}
    amount, currency = checkout.amount, checkout.currency
    held = wallet_balances(user=payer, currency=currency).available
    said = f"this link is {format_money(amount, currency)} and your wallet holds"
    return {"failure": f"Insufficient funds: {said} {format_money(held, currency)}."}


def checkout_status(request, checkout_id):
    """The live status on the pay page, polled by htmx while a payment runs.
    Once it ends the whole page reloads: its heading says "Paid", or the form
    to try again comes back."""
    checkout = _checkout(checkout_id)
    if request.htmx and checkout.status != Checkout.Status.PROCESSING:
        return HttpResponseClientRefresh()
    return render(request, "storefront/_checkout_status.html", {"checkout": checkout})
