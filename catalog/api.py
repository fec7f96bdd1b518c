from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ApiKeyAccess, IsAdmin, IsMerchant
from catalog import cache
from catalog.models import Product, ProductCode
from catalog.selectors import (
    ORDERINGS,
    product_code_list,
    product_get_live,
    product_get_managed,
    product_list_for_merchant,
    product_list_public,
    stock_list,
    stock_movement_list,
)
from catalog.serializers import (
    ProductCodeOutputSerializer,
    ProductOutputSerializer,
    StockMovementOutputSerializer,
    StockOutputSerializer,
)
from catalog.services import (
    code_void,
    codes_add,
    product_create,
    product_delete,
    product_file_replace,
    product_update,
    stock_adjust,
)
from core.money import AmountField, CurrencyField, default_currency
from core.pagination import keyset_paginated, paginate, paginate_by_keyset, paginated
from core.replica import lagging_reads

MAX_STOCK = 1_000_000


def _list_params(request) -> dict:
    return {"query": sorted(request.GET.lists()), "host": request.get_host()}


def _cached_response(request, kind: str, params: dict, build):
    """A cached public read. JSON clients get the stored bytes as they are, with no
    re-rendering; other renderers (the browsable API) get the cached data. A miss
    may be built from the replica."""
    with lagging_reads(request):
        if request.accepted_renderer.format != "json":
            return Response(cache.cached(kind, params, build))
        body = cache.cached(f"{kind}.json", params, lambda: JSONRenderer().render(build()))
    return HttpResponse(body, content_type="application/json")


MAX_STOCK_BUCKETS = 64


class _ProductInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    price = AmountField()
    currency = CurrencyField(required=False)
    is_active = serializers.BooleanField(required=False)
    unlimited_stock = serializers.BooleanField(
        required=False, help_text="Download products only: sell without counting units."
    )
    codes_low_threshold = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_STOCK,
        help_text="Codes products: a codes.running_low event when fewer codes than this are left.",
    )
    activation_limit = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_STOCK,
        help_text="Licence products: instances one key may be activated on (default 1); "
        "null: unlimited. Keys sold before a change keep their limit.",
    )
    licence_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=36500,
        help_text="Licence products: days a key is valid from payment; null (default): forever.",
    )
    stock_buckets = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_STOCK_BUCKETS,
        help_text="For a flash sale: the available units spread over this many rows, each "
        "sale locking one at random, so sales of this product stop waiting for each other "
        "(docs/scaling.md). 1 (default): one stock row. Not for unlimited stock.",
    )


class ProductListCreateApi(APIView):
    """The public catalog (GET, cached; search with q, filter by merchant and price in
    minor units, ordering), or a merchant's new product with its opening stock (POST)."""

    api_key_access = ApiKeyAccess.WRITE

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, max_length=100)
        merchant = serializers.UUIDField(required=False)
        min_price = serializers.IntegerField(required=False, min_value=0)
        max_price = serializers.IntegerField(required=False, min_value=0)
        ordering = serializers.CharField(
            required=False, help_text=f"One of {', '.join(ORDERINGS)}; anything else is ignored."
        )

    class InputSerializer(_ProductInput):
        stock = serializers.IntegerField(
            min_value=0,
            max_value=MAX_STOCK,
            default=0,
            help_text="Opening stock; a codes product starts at 0 and grows with its codes.",
        )
        delivery_kind = serializers.ChoiceField(
            choices=Product.DeliveryKind.choices,
            default=Product.DeliveryKind.MANUAL,
            help_text="manual: you fulfil; codes: one code per unit; download: a file; "
            "licence: a key generated per unit, checked through the Licence API.",
        )

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return [IsAuthenticated(), IsMerchant()]

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: paginated(ProductOutputSerializer)},
        auth=[],
    )
    def get(self, request):
        def build():
            # Only a miss validates: a hit means these exact parameters were valid.
            filters = self.FilterSerializer(data=request.query_params)
            filters.is_valid(raise_exception=True)
            queryset = product_list_public(filters=filters.validated_data)
            # The count depends on the filters alone, not on the page or on
            # parameters the filters ignore: cached apart, under the same version.
            count = cache.cached(
                "count", {"filters": filters.validated_data}, queryset.order_by().count
            )
            return paginate(request, queryset, ProductOutputSerializer, count=count).data

        return _cached_response(request, "list", _list_params(request), build)

    @extend_schema(request=InputSerializer, responses={201: ProductOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {"currency": default_currency(), **serializer.validated_data}
        product = product_create(merchant=request.user, **data)
        product = product_get_live(product_id=product.pk)
        return Response(
            ProductOutputSerializer(product, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProductMineApi(APIView):
    """The calling merchant's own products, active or not, newest first."""

    permission_classes = [IsAuthenticated, IsMerchant]

    @extend_schema(responses={200: paginated(ProductOutputSerializer)})
    def get(self, request):
        queryset = product_list_for_merchant(merchant=request.user).order_by("-created_at", "id")
        return paginate(request, queryset, ProductOutputSerializer)


class ProductDetailApi(APIView):
    """One product (public GET); its merchant or an admin edits it (PATCH) or takes it
    off sale (DELETE, a soft delete: past orders keep naming it)."""

    api_key_access = ApiKeyAccess.WRITE

    class InputSerializer(_ProductInput):
        pass

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(responses={200: ProductOutputSerializer}, auth=[])
    def get(self, request, product_id):
        def build():
            product = get_object_or_404(product_list_public(), pk=product_id)
            return ProductOutputSerializer(product, context={"request": request}).data

        return _cached_response(request, "detail", {"id": str(product_id)}, build)

    @extend_schema(request=InputSerializer(partial=True), responses={200: ProductOutputSerializer})
    def patch(self, request, product_id):
        product = product_get_managed(user=request.user, product_id=product_id)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        product_update(product=product, data=serializer.validated_data)
        # Read again: the update may have folded a flash sale's buckets into its stock row.
        product = product_get_managed(user=request.user, product_id=product_id)
        return Response(ProductOutputSerializer(product, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, product_id):
        product_delete(product=product_get_managed(user=request.user, product_id=product_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InventoryListApi(APIView):
    """Stock of every product: available, reserved by unpaid card orders, and sold
    (admins)."""

    permission_classes = [IsAuthenticated, IsAdmin]

    @extend_schema(responses={200: paginated(StockOutputSerializer)})
    def get(self, request):
        return paginate(request, stock_list(), StockOutputSerializer)


class InventoryDetailApi(APIView):
    """A product's stock (GET); its merchant adds or removes units with a reason
    (PATCH), recorded as a movement."""

    api_key_access = ApiKeyAccess.WRITE

    class InputSerializer(serializers.Serializer):
        adjust = serializers.IntegerField(
            min_value=-MAX_STOCK, max_value=MAX_STOCK, help_text="Units to add (+) or remove (-)."
        )
        reason = serializers.CharField(max_length=255, required=False, allow_blank=True)

        def validate_adjust(self, value):
            if value == 0:
                raise serializers.ValidationError("Must not be zero.")
            return value

    @extend_schema(responses={200: StockOutputSerializer})
    def get(self, request, product_id):
        product = product_get_managed(user=request.user, product_id=product_id)
        return Response(StockOutputSerializer(product.stock).data)

    @extend_schema(request=InputSerializer, responses={200: StockOutputSerializer})
    def patch(self, request, product_id):
        product = product_get_managed(user=request.user, product_id=product_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stock = stock_adjust(
            product=product,
            delta=serializer.validated_data["adjust"],
            actor=request.user,
            note=serializer.validated_data.get("reason", ""),
        )
        return Response(StockOutputSerializer(stock).data)


class InventoryMovementsApi(APIView):
    """A product's stock movements, newest first: every sale, reservation, release,
    refund and adjustment, with who made it."""

    @extend_schema(responses={200: keyset_paginated(StockMovementOutputSerializer)})
    def get(self, request, product_id):
        product = product_get_managed(user=request.user, product_id=product_id)
        return paginate_by_keyset(
            request, stock_movement_list(product=product), StockMovementOutputSerializer
        )


# --- digital delivery: codes and files -------------------------------------------------


class ProductCodesApi(APIView):
    """A codes product's codes, masked, with their state (GET, ?state=); add codes
    (POST): each new one is one unit of stock, duplicates are reported, not added."""

    api_key_access = ApiKeyAccess.WRITE

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=ProductCode.State.choices, required=False)

    class InputSerializer(serializers.Serializer):
        codes = serializers.ListField(
            child=serializers.CharField(max_length=settings.MAX_CODE_LENGTH),
            allow_empty=False,
            max_length=settings.MAX_CODES_PER_UPLOAD,
            help_text=f"Up to {settings.MAX_CODES_PER_UPLOAD} codes; errors name their positions.",
        )

    class AddedSerializer(serializers.Serializer):
        added = serializers.IntegerField()
        duplicates = serializers.ListField(child=serializers.CharField())
        stock = serializers.IntegerField(help_text="Units available now.")

    @extend_schema(
        parameters=[FilterSerializer], responses={200: paginated(ProductCodeOutputSerializer)}
    )
    def get(self, request, product_id):
        product = product_get_managed(user=request.user, product_id=product_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = product_code_list(product=product, **filters.validated_data)
        return paginate(request, queryset, ProductCodeOutputSerializer)

    @extend_schema(request=InputSerializer, responses={201: AddedSerializer})
    def post(self, request, product_id):
        product = product_get_managed(user=request.user, product_id=product_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = codes_add(
            product=product, codes=serializer.validated_data["codes"], actor=request.user
        )
        return Response(self.AddedSerializer(result).data, status=status.HTTP_201_CREATED)


class ProductCodeDetailApi(APIView):
    """Void an unsold code (DELETE): it is never sold, and the stock drops by one."""

    api_key_access = ApiKeyAccess.WRITE

    @extend_schema(responses={204: None})
    def delete(self, request, product_id, code_id):
        product = product_get_managed(user=request.user, product_id=product_id)
        try:
            code_void(product=product, code_id=code_id, actor=request.user)
        except ProductCode.DoesNotExist as missing:
            raise NotFound("This product has no such code.") from missing
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductFileApi(APIView):
    """Upload or replace a download product's file (multipart, field `file`, up to
    MAX_DOWNLOAD_BYTES). Buyers' links serve the newest file."""

    api_key_access = ApiKeyAccess.WRITE

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=False)

    @extend_schema(
        request={"multipart/form-data": InputSerializer}, responses={200: ProductOutputSerializer}
    )
    def put(self, request, product_id):
        product = product_get_managed(user=request.user, product_id=product_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product_file_replace(product=product, upload=serializer.validated_data["file"])
        return Response(ProductOutputSerializer(product, context={"request": request}).data)


_product_list_api = ProductListCreateApi.as_view()


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "*/*")
    return "text/html" not in accept and ("application/json" in accept or "*/*" in accept)


@csrf_exempt  # as DRF's views are; POSTs go on to it, with its own CSRF check for sessions
def product_list_entry(request):
    """GET /products: a JSON cache hit is answered here, before DRF's dispatch
    (the catalog's hottest path: one Redis round trip and no view machinery);
    anything else (a miss, the browsable API, ?format=, a POST) goes to
    ProductListCreateApi, which answers with the same bytes."""
    if request.method == "GET" and "format" not in request.GET and _wants_json(request):
        body = cache.hit("list.json", _list_params(request))
        if body is not None:
            return HttpResponse(
                body,
                content_type="application/json",
                headers={"Vary": "Accept", "Allow": "GET, POST, HEAD, OPTIONS"},
            )
    return _product_list_api(request)


# drf-spectacular and DRF's tooling see the API view behind the entry point.
product_list_entry.cls = ProductListCreateApi
product_list_entry.initkwargs = _product_list_api.initkwargs
