"""A codes product's codes: counts by state, upload (paste or a file), "Void"."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import merchant_required
from catalog.models import Product, ProductCode
from catalog.selectors import (
    product_code_counts,
    product_code_get,
    product_code_list,
    product_get_managed,
)
from catalog.services import code_void, codes_add
from core import crypto
from core.exceptions import ApplicationError
from core.pages import page_of
from dashboard.forms import CodesUploadForm


@merchant_required
def product_codes(request, product_id):
    """A codes product's codes: counts by state, upload (paste or file), void."""
    product = product_get_managed(user=request.user, product_id=product_id)
    if product.delivery_kind != Product.DeliveryKind.CODES:
        raise Http404("This product is not sold as codes.")
    form = CodesUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = codes_add(
            product=product, codes=form.cleaned_data["code_list"], actor=request.user
        )
        messages.success(request, f"Added {result['added']} codes; {result['stock']} on sale.")
        if result["duplicates"]:
            skipped = len(result["duplicates"])
            messages.warning(
                request,
                f"Skipped {skipped} duplicate{'s' if skipped != 1 else ''}: "
                + ", ".join(crypto.mask(code) for code in result["duplicates"][:20]),
            )
        return redirect("dashboard:product_codes", product_id=product.pk)
    codes = page_of(request, product_code_list(product=product))
    for code in codes:
        code.masked = crypto.mask(crypto.decrypt(code.ciphertext))
    context = {
        "product": product,
        "form": form,
        "counts": product_code_counts(product=product),
        "codes": codes,
    }
    return render(
        request, "dashboard/product_codes.html", context, status=400 if form.errors else 200
    )


@merchant_required
@require_http_methods(["GET", "POST"])
def code_void_view(request, product_id, code_id):
    """GET: "Void code XBOX-••••-7QX4?", asked before it runs (no script
    needed); its button POSTs here and voids it."""
    product = product_get_managed(user=request.user, product_id=product_id)
    if request.method == "GET":
        try:
            code = product_code_get(product=product, code_id=code_id)
        except ProductCode.DoesNotExist as missing:
            raise Http404("No such code.") from missing
        code.masked = crypto.mask(crypto.decrypt(code.ciphertext))
        context = {"product": product, "code": code}
        return render(request, "dashboard/code_void_confirm.html", context)
    try:
        code_void(product=product, code_id=code_id, actor=request.user)
    except ProductCode.DoesNotExist as missing:
        raise Http404("No such code.") from missing
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Code voided: it will never be sold.")
    return redirect("dashboard:product_codes", product_id=product.pk)
