"""A merchant's discount codes by API: list and create, deactivate. Beside
orders/api.py rather than in it, as its own operations on its own rows."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ApiKeyAccess, IsMerchant
from core.money import AmountField, CurrencyField, StrictIntegerField, default_currency
from core.pagination import paginate, paginated
from orders.discounts import discount_get_managed, discount_list_for_merchant
from orders.services.discounts import discount_create, discount_deactivate


class DiscountOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    percent_off = serializers.IntegerField(allow_null=True)
    amount_off = serializers.IntegerField(allow_null=True, help_text="Minor units.")
    currency = serializers.CharField(help_text="Of amount_off; empty for a percent.")
    min_subtotal = serializers.IntegerField(allow_null=True, help_text="Minor units.")
    applies_to_all = serializers.BooleanField(help_text="All your products, or product_ids.")
    product_ids = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    max_redemptions = serializers.IntegerField(allow_null=True, help_text="Empty: no limit.")
    redeemed = serializers.IntegerField(help_text="Held (unpaid card orders) and final.")
    redemptions_left = serializers.IntegerField(allow_null=True)
    once_per_customer = serializers.BooleanField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_product_ids(self, discount) -> list[str]:
        return [str(product.pk) for product in discount.products.all()]


class DiscountListCreateApi(APIView):
    """Your discount codes, newest first (GET), or a new one (POST)."""

    permission_classes = [IsAuthenticated, IsMerchant]
    api_key_access = ApiKeyAccess.WRITE

    class InputSerializer(serializers.Serializer):
        code = serializers.RegexField(
            r"^[A-Za-z0-9_-]{3,40}$",
            help_text="3–40 letters, digits, - or _; matched in any case.",
        )
        percent_off = StrictIntegerField(min_value=1, max_value=100, required=False)
        amount_off = AmountField(required=False, help_text="Minor units.")
        currency = CurrencyField(required=False)
        min_subtotal = AmountField(required=False, help_text="Minor units.")
        product_ids = serializers.ListField(
            child=serializers.UUIDField(), required=False, max_length=100, default=list
        )
        starts_at = serializers.DateTimeField(required=False, allow_null=True)
        ends_at = serializers.DateTimeField(required=False, allow_null=True)
        max_redemptions = StrictIntegerField(
            required=False, min_value=1, max_value=1_000_000, help_text="Leave out: no limit."
        )
        once_per_customer = serializers.BooleanField(default=False)

        def validate(self, attrs):
            if ("percent_off" in attrs) == ("amount_off" in attrs):
                raise serializers.ValidationError("Give percent_off or amount_off, not both.")
            if "amount_off" in attrs or "min_subtotal" in attrs:
                attrs["currency"] = attrs.get("currency") or default_currency()
            else:  # a percent off any order's subtotal, in any currency
                attrs.pop("currency", None)
            start, end = attrs.get("starts_at"), attrs.get("ends_at")
            if start and end and end <= start:
                raise serializers.ValidationError({"ends_at": ["Must be after starts_at."]})
            return attrs

    @extend_schema(responses={200: paginated(DiscountOutputSerializer)})
    def get(self, request):
        queryset = discount_list_for_merchant(merchant=request.user)
        return paginate(request, queryset, DiscountOutputSerializer)

    @extend_schema(request=InputSerializer, responses={201: DiscountOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        discount = discount_create(
            merchant=request.user, product_ids=data.pop("product_ids"), **data
        )
        return Response(DiscountOutputSerializer(discount).data, status=status.HTTP_201_CREATED)


class DiscountDeactivateApi(APIView):
    """Stop a code being used; orders that used it keep their discount."""

    permission_classes = [IsAuthenticated, IsMerchant]
    api_key_access = ApiKeyAccess.WRITE

    @extend_schema(request=None, responses={200: DiscountOutputSerializer})
    def post(self, request, discount_id):
        discount = discount_get_managed(merchant=request.user, discount_id=discount_id)
        discount = discount_deactivate(discount=discount)
        return Response(DiscountOutputSerializer(discount).data)
