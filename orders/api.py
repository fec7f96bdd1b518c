from django.db.models import prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ApiKeyAccess, IsMerchant
from core.clients import client_ip
from core.idempotency import idempotent, is_html_form
from core.money import StrictIntegerField
from core.pagination import keyset_paginated, paginate, paginate_by_keyset, paginated
from orders.limits import MAX_FULFILMENT_NOTE, MAX_LINES, MAX_QUANTITY
from orders.models import DeliveryAccess, Order
from orders.selectors import (
    order_deliveries,
    order_event_list,
    order_get_for_sellers,
    order_get_visible,
    order_list_for_buyer,
    order_list_for_merchant,
)
from orders.serializers import (
    OrderDetailOutputSerializer,
    OrderEventOutputSerializer,
    OrderOutputSerializer,
)
from orders.services import order_cancel, order_fulfill, order_place
from orders.services.delivery import delivery_access_record, download_link_renew


class _StatusFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False)


class OrderListCreateApi(APIView):
    """Your orders, newest first (GET, by cursor), or place one (POST) from the wallet or by card.

    The browsable API's HTML form places a one-line order; JSON takes up to 50 lines.
    """

    class InputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            product_id = serializers.UUIDField()
            quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)

        items = LineSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
        payment_method = serializers.ChoiceField(choices=Order.PaymentMethod.choices)
        discount_code = serializers.CharField(
            max_length=40, required=False, allow_blank=True, default=""
        )

    class FormInputSerializer(serializers.Serializer):
        """The same order as a flat HTML form: one line."""

        product_id = serializers.UUIDField()
        quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, initial=1)
        payment_method = serializers.ChoiceField(choices=Order.PaymentMethod.choices)

        def validate(self, attrs):
            line = {"product_id": attrs["product_id"], "quantity": attrs["quantity"]}
            return {"items": [line], "payment_method": attrs["payment_method"]}

    @extend_schema(
        operation_id="orders_list",
        parameters=[_StatusFilter],
        responses={200: keyset_paginated(OrderOutputSerializer)},
    )
    def get(self, request):
        filters = _StatusFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = order_list_for_buyer(buyer=request.user, **filters.validated_data)
        # By position: a buyer's orders only grow, and COUNT(*) + OFFSET over
        # 100,000 of them is what made this page slow.
        return paginate_by_keyset(
            request, queryset, OrderOutputSerializer, ordering=("-created_at", "-id")
        )

    @extend_schema(request=InputSerializer, responses={201: OrderOutputSerializer})
    @idempotent()
    def post(self, request):
        shape = self.FormInputSerializer if is_html_form(request) else self.InputSerializer
        serializer = shape(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = order_place(buyer=request.user, **serializer.validated_data)
        return Response(
            OrderOutputSerializer(order, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class OrderSalesApi(APIView):
    """Orders that contain the calling merchant's products, newest first."""

    permission_classes = [IsAuthenticated, IsMerchant]

    @extend_schema(parameters=[_StatusFilter], responses={200: paginated(OrderOutputSerializer)})
    def get(self, request):
        filters = _StatusFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = order_list_for_merchant(merchant=request.user, **filters.validated_data)
        return paginate(request, queryset, OrderOutputSerializer)


class OrderDetailApi(APIView):
    """One order with its lines, and links to its audit trail and its payments."""

    @extend_schema(responses={200: OrderDetailOutputSerializer})
    def get(self, request, order_id):
        order = order_get_visible(user=request.user, order_id=order_id)
        prefetch_related_objects([order], "payments")
        return Response(OrderDetailOutputSerializer(order, context={"request": request}).data)


class OrderEventsApi(APIView):
    """An order's audit trail: every status change, who made it and why."""

    @extend_schema(responses={200: keyset_paginated(OrderEventOutputSerializer)})
    def get(self, request, order_id):
        order = order_get_visible(user=request.user, order_id=order_id)
        return paginate_by_keyset(
            request, order_event_list(order=order), OrderEventOutputSerializer, ordering="id"
        )


class _ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class OrderCancelApi(APIView):
    """Cancel an unpaid order; its reserved units go back on sale."""

    @extend_schema(request=_ReasonInput, responses={200: OrderOutputSerializer})
    def post(self, request, order_id):
        order = order_get_visible(user=request.user, order_id=order_id)
        if order.buyer_id != request.user.pk and not request.user.is_admin:
            raise PermissionDenied("Only the buyer can cancel an order.")
        serializer = _ReasonInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = order_cancel(
            order=order, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(OrderOutputSerializer(order, context={"request": request}).data)


class OrderFulfillApi(APIView):
    """Mark a paid order fulfilled (the merchant of every line, or an admin),
    optionally with a `note` for the buyer: the code or message they get, on
    their order page, in the email that the order is ready and as the order's
    `fulfilment_note`. Kept encrypted; never in a webhook."""

    api_key_access = ApiKeyAccess.WRITE

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(
            max_length=MAX_FULFILMENT_NOTE,
            required=False,
            allow_blank=True,
            default="",
            help_text="Code or message for the buyer (optional).",
        )

    @extend_schema(request=InputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request, order_id):
        order = order_get_for_sellers(user=request.user, order_id=order_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = order_fulfill(
            order=order, actor=request.user, note=serializer.validated_data["note"]
        )
        return Response(OrderOutputSerializer(order, context={"request": request}).data)


class DeliverySerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    product_id = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["codes", "download", "licence"])
    codes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Codes: in full for the buyer, masked (AAAA-••••) for merchants, admins "
        "and after a refund.",
    )
    download_url = serializers.CharField(
        required=False, allow_null=True, help_text="Downloads: the buyer's signed link."
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    downloads_left = serializers.IntegerField(required=False)
    licences = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Licences: {id, key, status, reason, activation_limit, expires_at, "
        "activations: [{id, name, created_at}]}; the key in full for the buyer only, "
        "masked once revoked or while disputed.",
    )


def _deliveries_for(request, order) -> list[dict]:
    """The selector's entries as they are (each kind has its own keys), with
    download links made absolute for API clients."""
    deliveries = order_deliveries(order=order, viewer=request.user)
    for delivery in deliveries:
        if delivery.get("download_url"):
            delivery["download_url"] = request.build_absolute_uri(delivery["download_url"])
    return deliveries


class OrderDeliveriesApi(APIView):
    """What a paid order delivered: each codes line's codes and each download
    line's link. The buyer sees codes in full; the merchant and admins masked."""

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    def get(self, request, order_id):
        order = order_get_visible(user=request.user, order_id=order_id)
        deliveries = _deliveries_for(request, order)
        if order.buyer_id == request.user.pk and any(d.get("codes") for d in deliveries):
            delivery_access_record(
                order=order,
                kind=DeliveryAccess.Kind.CODES_SHOWN,
                user=request.user,
                ip=client_ip(request) or None,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        return Response(deliveries)


class OrderDownloadRenewApi(APIView):
    """A fresh download link for one line (the buyer): the old ones stop working."""

    @extend_schema(request=None, responses={201: DeliverySerializer})
    def post(self, request, order_id, line_id):
        order = order_get_visible(user=request.user, order_id=order_id)
        if order.buyer_id != request.user.pk:
            raise PermissionDenied("Only the buyer can get a download link.")
        download_link_renew(order=order, line_id=line_id, buyer=request.user)
        renewed = [d for d in _deliveries_for(request, order) if d["line_id"] == line_id]
        return Response(renewed[0], status=status.HTTP_201_CREATED)
