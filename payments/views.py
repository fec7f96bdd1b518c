"""The hosted pay page a merchant's payment link opens: /pay/<checkout id>/."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseStopPolling

from accounts.decorators import merchant_required
from core.pages import page_of, run_form_action
from payments.forms import CheckoutPayForm, PaymentLinkForm
from payments.models import Checkout
from payments.selectors import checkout_get, checkout_list_for_merchant
from payments.services import checkout_create, payment_create_for_checkout


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
        return redirect("payments:pay", checkout_id=checkout.pk)
    return render(request, "payments/pay.html", {"checkout": checkout, "form": form})


def checkout_status(request, checkout_id):
    """The live status on the pay page, polled by htmx while a payment runs."""
    checkout = _checkout(checkout_id)
    response = render(request, "payments/_status.html", {"checkout": checkout})
    if request.htmx and checkout.status != Checkout.Status.PROCESSING:
        return HttpResponseStopPolling(response.content)
    return response


@merchant_required
def payment_links(request):
    """The merchant's payment links (checkouts) and a form for a new one."""
    form = PaymentLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        checkout_create(
            merchant=request.user,
            idempotency_key=data["form_key"],
            amount=data["amount"],
            currency=data["currency"],
            description=data["description"],
        )
        messages.success(request, "Payment link created: send its address to your customer.")
        return redirect("payments:links")
    links = page_of(request, checkout_list_for_merchant(merchant=request.user))
    return render(
        request,
        "dashboard/payment_links.html",
        {"form": form, "page": links},
        status=400 if form.errors else 200,
    )
