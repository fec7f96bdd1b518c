"""The catalog and a product's page, over the catalog selectors (and the API's
cache discipline)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from catalog import cache
from catalog.images import product_image
from catalog.selectors import product_list_public
from core.replica import reads_may_lag
from storefront.forms import CatalogFilterForm

PAGE_SIZE = 12


def _product_card(product) -> dict:
    return {
        "id": str(product.pk),
        "name": product.name,
        "description": product.description,
        "merchant": product.merchant.full_name or "A Kassa merchant",
        "price": product.price,
        "currency": product.currency,
        "available": product.stock_counts.available,
        "unlimited": product.unlimited_stock,
        "delivery_kind": product.delivery_kind,
        "purchasable": product.is_deliverable,
        "activation_limit": product.activation_limit,
        "licence_days": product.licence_days,
        "image": product_image(product),
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
    """An anonymous visitor without a session and without a message waiting
    (one left from before logging out rides in a cookie) sees exactly what every
    other such visitor sees, so the whole page can come from the cache."""
    return (
        not request.user.is_authenticated
        and not request.session.session_key
        and not len(messages.get_messages(request))
    )


def _is_shareable(request, response) -> bool:
    """Nothing of this visitor went into the page: no cookie set, no form token."""
    return not response.cookies and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")


@reads_may_lag
def product_list(request):
    if not _sees_the_shared_page(request):
        return _render_product_list(request)
    params = {"query": sorted(request.GET.lists()), "host": request.get_host()}
    page = cache.hit("storefront.html", params)
    if page is not None:
        return HttpResponse(page)
    response = _render_product_list(request)
    if _is_shareable(request, response):
        cache.store("storefront.html", params, response.content)
    return response


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
        "storefront/product_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "searching": bool(filters.keys() - {"ordering"}),
        },
    )


@reads_may_lag
def product_detail(request, product_id):
    product = product_list_public().filter(pk=product_id).first()
    if product is None:
        raise Http404("No such product.")
    return render(request, "storefront/product_detail.html", {"product": _product_card(product)})
