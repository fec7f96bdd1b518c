"""Storefront pages over the catalog selectors (and the API's cache discipline)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import merchant_required
from catalog import cache
from catalog.forms import (
    CatalogFilterForm,
    CodesUploadForm,
    NewProductForm,
    ProductFileForm,
    ProductForm,
    StockAdjustForm,
)
from catalog.models import Product, ProductCode
from catalog.selectors import (
    product_code_counts,
    product_code_list,
    product_list_for_merchant,
    product_list_public,
    stock_movement_list,
)
from catalog.services import (
    code_void,
    codes_add,
    product_create,
    product_file_replace,
    product_update,
    stock_adjust,
)
from core import crypto
from core.exceptions import ApplicationError
from core.forms import money_initial
from core.pages import page_of

PAGE_SIZE = 12


def _product_card(product) -> dict:
    return {
        "id": str(product.pk),
        "name": product.name,
        "description": product.description,
        "merchant": product.merchant.full_name or "A Kassa merchant",
        "price": product.price,
        "currency": product.currency,
        "available": product.stock.available,
        "unlimited": product.unlimited_stock,
        "delivery_kind": product.delivery_kind,
        "purchasable": product.is_deliverable,
    }


def _catalog_page(filters: dict, page_number: str) -> dict:
    paginator = Paginator(product_list_public(filters=filters), PAGE_SIZE)
    page = paginator.get_page(page_number)
    return {
        "products": [_product_card(product) for product in page],
        "number": page.number,
        "num_pages": paginator.num_pages,
        "count": paginator.count,
    }


def _sees_the_shared_page(request) -> bool:
    """An anonymous visitor without a session sees exactly what every other such
    visitor sees (no cart, no messages, no form token), so the whole page can be
    served from the cache."""
    return not request.user.is_authenticated and not request.session.session_key


def product_list(request):
    if not _sees_the_shared_page(request):
        return _render_product_list(request)
    params = {"query": sorted(request.GET.lists()), "host": request.get_host()}
    page = cache.cached("storefront.html", params, lambda: _render_product_list(request).content)
    return HttpResponse(page)


def _render_product_list(request):
    form = CatalogFilterForm(request.GET or None)
    filters = form.filters() if form.is_valid() else {}
    page_number = request.GET.get("page", "1")[:10]
    # Cached like the API list: the key carries the catalog version, so any
    # committed change to a product or its stock shows at once.
    page = cache.cached(
        "storefront",
        {"filters": filters, "page": page_number},
        lambda: _catalog_page(filters, page_number),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/product_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "searching": bool(filters)},
    )


def product_detail(request, product_id):
    product = product_list_public().filter(pk=product_id).first()
    if product is None:
        raise Http404("No such product.")
    return render(request, "catalog/product_detail.html", {"product": _product_card(product)})


# --- the merchant dashboard: products ---------------------------------------------


def _own_product(request, product_id):
    product = product_list_for_merchant(merchant=request.user).filter(pk=product_id).first()
    if product is None:
        raise Http404("No such product of yours.")
    return product


@merchant_required
def dashboard_products(request):
    products = page_of(request, product_list_for_merchant(merchant=request.user).order_by("name"))
    return render(request, "dashboard/products.html", {"page": products})


@merchant_required
def dashboard_product_new(request):
    form = NewProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = product_create(merchant=request.user, **form.cleaned_data)
        except ApplicationError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _created_message(product))
            if product.delivery_kind == Product.DeliveryKind.CODES:
                return redirect("catalog:dashboard_product_codes", product_id=product.pk)
            return redirect("catalog:dashboard_product", product_id=product.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "dashboard/product_form.html", {"form": form, "product": None}, status=status
    )


@merchant_required
def dashboard_product(request, product_id):
    """Edit a product; its stock and the movements that made it."""
    product = _own_product(request, product_id)
    initial = {
        "name": product.name,
        "description": product.description,
        "price": money_initial(product.price, product.currency),
        "currency": product.currency,
        "unlimited_stock": product.unlimited_stock,
    }
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            product_update(product=product, data=form.cleaned_data)
        except ApplicationError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "Saved.")
            return redirect("catalog:dashboard_product", product_id=product.pk)
    context = {
        "form": form,
        "product": product,
        "adjust_form": StockAdjustForm(),
        "file_form": ProductFileForm(),
        "movements": page_of(request, stock_movement_list(product=product)),
    }
    return render(
        request, "dashboard/product_form.html", context, status=400 if form.errors else 200
    )


@merchant_required
@require_POST
def dashboard_product_adjust(request, product_id):
    product = _own_product(request, product_id)
    form = StockAdjustForm(request.POST)
    if form.is_valid():
        try:
            stock_adjust(
                product=product,
                delta=form.cleaned_data["delta"],
                actor=request.user,
                note=form.cleaned_data["reason"],
            )
        except ApplicationError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, "Stock adjusted.")
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("catalog:dashboard_product", product_id=product.pk)


@merchant_required
@require_POST
def dashboard_product_archive(request, product_id):
    """Take a product off sale ("Archive") or put it back ("Restore")."""
    product = _own_product(request, product_id)
    product_update(product=product, data={"is_active": not product.is_active})
    messages.success(request, "Back on sale." if product.is_active else "Archived: no longer sold.")
    return redirect("catalog:dashboard_products")


def _created_message(product: Product) -> str:
    if product.delivery_kind == Product.DeliveryKind.CODES:
        return f"{product.name} is created: upload its codes to put units on sale."
    if product.delivery_kind == Product.DeliveryKind.DOWNLOAD:
        return f"{product.name} is created: upload its file to put it on sale."
    return f"{product.name} is on sale."


@merchant_required
def dashboard_product_codes(request, product_id):
    """A codes product's codes: counts by state, upload (paste or file), void."""
    product = _own_product(request, product_id)
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
        return redirect("catalog:dashboard_product_codes", product_id=product.pk)
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
@require_POST
def dashboard_code_void(request, product_id, code_id):
    product = _own_product(request, product_id)
    try:
        code_void(product=product, code_id=code_id, actor=request.user)
    except ProductCode.DoesNotExist as missing:
        raise Http404("No such code.") from missing
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Code voided: it will never be sold.")
    return redirect("catalog:dashboard_product_codes", product_id=product.pk)


@merchant_required
@require_POST
def dashboard_product_file(request, product_id):
    """Upload or replace a download product's file."""
    product = _own_product(request, product_id)
    form = ProductFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            product_file_replace(product=product, upload=form.cleaned_data["file"])
        except ApplicationError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, f"{product.download_name} is the file buyers get.")
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("catalog:dashboard_product", product_id=product.pk)
