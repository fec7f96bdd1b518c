"""Discount codes: the merchant's codes with their redemptions used and left,
a form for a new one, "Deactivate" and a CSV of redemptions."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import merchant_required
from catalog.selectors import product_list_for_merchant
from core.csv_export import csv_response
from core.exceptions import ApplicationError
from core.money import to_major_units
from core.pages import page_of
from dashboard.forms import DiscountForm
from orders.discounts import (
    discount_get_managed,
    discount_list_for_merchant,
    discount_redemption_list,
)
from orders.services.discounts import discount_create, discount_deactivate


@merchant_required
def discounts(request):
    products = product_list_for_merchant(merchant=request.user)
    form = DiscountForm(request.POST or None, products=products)
    if request.method == "POST" and form.is_valid():
        try:
            discount = discount_create(merchant=request.user, **form.discount_fields())
        except ApplicationError as refused:
            form.add_error("code" if "code" in refused.message else None, refused.message)
        else:
            messages.success(request, f"Discount code {discount.code} created.")
            return redirect("dashboard:discounts")
    page = page_of(request, discount_list_for_merchant(merchant=request.user))
    return render(
        request,
        "dashboard/discounts.html",
        {"form": form, "page": page},
        status=400 if form.errors else 200,
    )


@merchant_required
@require_POST
def discount_deactivate_view(request, discount_id):
    discount = discount_get_managed(merchant=request.user, discount_id=discount_id)
    discount_deactivate(discount=discount)
    messages.success(request, f"Discount code {discount.code} deactivated.")
    return redirect("dashboard:discounts")


@merchant_required
def export_redemptions(request):
    rows = (
        [
            r.created_at.isoformat(),
            r.discount.code,
            r.order.number,
            r.customer.email,
            to_major_units(r.amount, r.order.currency).replace(",", ""),
            r.order.currency,
            r.get_state_display(),
        ]
        for r in discount_redemption_list(merchant=request.user).iterator(chunk_size=500)
    )
    header = ["date", "code", "order", "customer", "discount", "currency", "state"]
    return csv_response("redemptions.csv", header, rows)
