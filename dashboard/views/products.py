"""The merchant's products: the list, a new one, editing, stock adjustments,
archiving, a download product's file and a product's cover image."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import merchant_required
from catalog.forms import StockAdjustForm
from catalog.images import product_image
from catalog.models import Product
from catalog.selectors import product_get_managed, product_list_for_merchant, stock_movement_list
from catalog.services import (
    product_create,
    product_file_replace,
    product_image_remove,
    product_image_replace,
    product_update,
    stock_adjust,
)
from core.exceptions import ApplicationError
from core.forms import money_initial
from core.pages import page_of
from dashboard.forms import NewProductForm, ProductFileForm, ProductForm, ProductImageForm


@merchant_required
def product_list(request):
    products = page_of(request, product_list_for_merchant(merchant=request.user).order_by("name"))
    return render(request, "dashboard/products.html", {"page": products})


@merchant_required
def product_new(request):
    form = NewProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = product_create(merchant=request.user, **form.cleaned_data)
        except ApplicationError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _created_message(product))
            if product.delivery_kind == Product.DeliveryKind.CODES:
                return redirect("dashboard:product_codes", product_id=product.pk)
            return redirect("dashboard:product", product_id=product.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "dashboard/product_form.html", {"form": form, "product": None}, status=status
    )


@merchant_required
def product_edit(request, product_id):
    """Edit a product; its stock and the movements that made it."""
    product = product_get_managed(user=request.user, product_id=product_id)
    form = ProductForm(request.POST or None, initial=_product_form(product).initial)
    if request.method == "POST" and form.is_valid():
        try:
            product_update(product=product, data=form.cleaned_data)
        except ApplicationError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "Saved.")
            return redirect("dashboard:product", product_id=product.pk)
    return _edit_page(request, product, form=form)


def _edit_page(request, product: Product, *, form, image_form=None):
    context = {
        "form": form,
        "product": product,
        "image": product_image(product),
        "adjust_form": StockAdjustForm(),
        "file_form": ProductFileForm(),
        "image_form": image_form or ProductImageForm(),
        "max_image_mb": settings.MAX_IMAGE_BYTES // (1024 * 1024),
        "movements": page_of(request, stock_movement_list(product=product)),
    }
    refused = form.errors or (image_form is not None and image_form.errors)
    return render(request, "dashboard/product_form.html", context, status=400 if refused else 200)


def _product_form(product: Product) -> ProductForm:
    return ProductForm(
        initial={
            "name": product.name,
            "description": product.description,
            "price": money_initial(product.price, product.currency),
            "currency": product.currency,
            "unlimited_stock": product.unlimited_stock,
            "codes_low_threshold": product.codes_low_threshold,
            "activation_limit": product.activation_limit,
            "licence_days": product.licence_days,
            "stock_buckets": product.stock_buckets,
        }
    )


@merchant_required
@require_POST
def product_adjust(request, product_id):
    product = product_get_managed(user=request.user, product_id=product_id)
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
    return redirect("dashboard:product", product_id=product.pk)


@merchant_required
@require_POST
def product_archive(request, product_id):
    """Take a product off sale ("Archive") or put it back ("Restore")."""
    product = product_get_managed(user=request.user, product_id=product_id)
    product_update(product=product, data={"is_active": not product.is_active})
    messages.success(request, "Back on sale." if product.is_active else "Archived: no longer sold.")
    return redirect("dashboard:products")


def _created_message(product: Product) -> str:
    if product.delivery_kind == Product.DeliveryKind.CODES:
        return f"{product.name} is created: upload its codes to put units on sale."
    if product.delivery_kind == Product.DeliveryKind.DOWNLOAD:
        return f"{product.name} is created: upload its file to put it on sale."
    return f"{product.name} is on sale."


@merchant_required
@require_POST
def product_file(request, product_id):
    """Upload or replace a download product's file."""
    product = product_get_managed(user=request.user, product_id=product_id)
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
    return redirect("dashboard:product", product_id=product.pk)


@merchant_required
@require_POST
def product_cover(request, product_id):
    """Upload or replace the cover image; a refused one is an error next to
    the field, on the product's page."""
    product = product_get_managed(user=request.user, product_id=product_id)
    form = ProductImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            product_image_replace(product=product, upload=form.cleaned_data["image"])
        except ApplicationError as refused:
            form.add_error("image", refused.message)
        else:
            messages.success(request, "Cover image saved.")
            return redirect("dashboard:product", product_id=product.pk)
    return _edit_page(request, product, form=_product_form(product), image_form=form)


@merchant_required
@require_POST
def product_cover_remove(request, product_id):
    product = product_get_managed(user=request.user, product_id=product_id)
    product_image_remove(product=product)
    messages.success(request, "Cover image removed: the catalog shows a placeholder.")
    return redirect("dashboard:product", product_id=product.pk)
