"""Sales: the orders with the merchant's products, "Fulfil" and "Refund"."""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import merchant_required
from core.exceptions import ApplicationError
from core.money import format_money
from core.pages import page_of, run_form_action
from dashboard.forms import FulfilForm, RefundForm
from orders.models import Order
from orders.selectors import order_get_for_sellers, order_list_for_merchant
from orders.services import order_fulfill
from payments.services import refund_order


def _uuid_or_none(text) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except (TypeError, ValueError):
        return None


@merchant_required
def sales(request):
    status = request.GET.get("status") or None
    if status not in Order.Status.values:
        status = None
    order_id = _uuid_or_none(request.GET.get("order"))
    number = request.GET.get("number", "").strip()
    serial = Order.serial_from_number(number) if number else None
    listed = order_list_for_merchant(
        merchant=request.user, status=status, order_id=order_id, serial=serial
    )
    if number and serial is None:
        listed = listed.none()
    orders = page_of(request, listed)
    return render(
        request,
        "dashboard/sales.html",
        {
            "page": orders,
            "status": status,
            "order_id": order_id,
            "number": number,
            "statuses": Order.Status.choices,
            "refund_form": RefundForm(),
            "fulfil_form": FulfilForm(),
            "query": urlencode({k: v for k, v in (("status", status), ("number", number)) if v}),
        },
    )


@merchant_required
@require_POST
def sale_fulfil(request, order_id):
    """Fulfil a paid order, with the code or message the buyer is to get, if any."""
    order = order_get_for_sellers(user=request.user, order_id=order_id)
    form = FulfilForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("dashboard:sales")
    try:
        order_fulfill(order=order, actor=request.user, note=form.cleaned_data["note"])
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Order fulfilled.")
    return redirect("dashboard:sales")


@merchant_required
@require_http_methods(["GET", "POST"])
def sale_refund(request, order_id):
    """GET: "Refund $30.00?", the amount and reason the Sales form sent, asked
    before anything moves (no script needed); its button POSTs them back here
    with the form's one-time key, and the refund runs once."""
    order = order_get_for_sellers(user=request.user, order_id=order_id)
    form = RefundForm(request.POST or request.GET, currency=order.currency)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("dashboard:sales")
    amount = form.cleaned_data.get("amount") or order.refundable
    if request.method == "GET":
        context = {"order": order, "form": form, "amount": amount}
        return render(request, "dashboard/refund_confirm.html", context)

    def refund() -> dict:
        refund = refund_order(
            order=order,
            amount=amount,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            request_key=request.idempotency_key,
        )
        return {"order_id": str(order.pk), "pending": refund is not None and not refund.is_final}

    # A card refund calls the gateway: never inside a transaction.
    outcome = run_form_action(request, form, refund, atomic=False)
    if outcome is not None and outcome.ok and not outcome.replayed:
        done = format_money(amount, order.currency)
        if outcome.body["pending"]:
            messages.info(request, f"Refund of {done} sent: the card network confirms it shortly.")
        else:
            messages.success(request, f"Refunded {done}.")
    return redirect("dashboard:sales")
