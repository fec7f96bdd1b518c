"""Payment links: the merchant's checkouts and a form for a new one."""

from django.contrib import messages
from django.shortcuts import redirect, render

from accounts.decorators import merchant_required
from core.exceptions import ApplicationError
from core.pages import page_of
from dashboard.forms import PaymentLinkForm
from payments.selectors import checkout_list_for_merchant
from payments.services import checkout_create


@merchant_required
def payment_links(request):
    form = PaymentLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            checkout_create(
                merchant=request.user,
                idempotency_key=data["form_key"],
                amount=data["amount"],
                currency=data["currency"],
                description=data["description"],
            )
        except ApplicationError:  # the one-time key of a form sent before, changed since
            form.add_error(
                None,
                "This form was already sent for another payment link: "
                "open Payment links again to make a new one.",
            )
        else:
            messages.success(request, "Payment link created: send its address to your customer.")
            return redirect("dashboard:links")
    links = page_of(request, checkout_list_for_merchant(merchant=request.user))
    return render(
        request,
        "dashboard/payment_links.html",
        {"form": form, "page": links},
        status=400 if form.errors else 200,
    )
