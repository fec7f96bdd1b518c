"""The hosted pay page a merchant's payment link opens: /pay/<checkout id>/."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseStopPolling

from core.pages import run_form_action
from payments.models import Checkout
from payments.selectors import checkout_get
from payments.services import payment_create_for_checkout
from storefront.forms import CheckoutPayForm


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
    return render(request, "storefront/checkout_pay.html", {"checkout": checkout, "form": form})


def checkout_status(request, checkout_id):
    """The live status on the pay page, polled by htmx while a payment runs."""
    checkout = _checkout(checkout_id)
    response = render(request, "storefront/_checkout_status.html", {"checkout": checkout})
    if request.htmx and checkout.status != Checkout.Status.PROCESSING:
        return HttpResponseStopPolling(response.content)
    return response
