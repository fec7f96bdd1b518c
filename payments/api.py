from django.db.models import prefetch_related_objects
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ApiKeyAccess, IsMerchant
from core.exceptions import ApplicationError
from core.idempotency import (
    HEADER,
    REPLAYED_HEADER,
    IdempotencyErrorCode,
    browsable_form_key,
    idempotent,
    takes_form_key,
    validate_idempotency_key,
)
from core.money import AmountField, CurrencyField, default_currency
from orders.selectors import order_get_for_sellers, order_get_visible
from orders.serializers import OrderOutputSerializer
from payments.errors import PaymentErrorCode
from payments.models import Payment, PaymentRefund
from payments.selectors import checkout_get, payment_get_visible
from payments.serializers import CheckoutOutputSerializer, PaymentOutputSerializer
from payments.services import (
    checkout_create,
    payment_create_for_checkout,
    payment_create_for_order,
    refund_order,
    wallet_topup_by_card,
)
from payments.services.webhooks import webhook_receive_stripe
from wallets.selectors import wallet_transaction_for_reference
from wallets.serializers import WalletTransactionOutputSerializer


def _payment_response(request, payment: Payment, http_status=status.HTTP_202_ACCEPTED) -> Response:
    prefetch_related_objects([payment], "attempts")
    body = PaymentOutputSerializer(payment, context={"request": request}).data
    return Response(body, status=http_status)


class OrderPayApi(APIView):
    """Pay a card order: the payment is charged asynchronously; follow its url for the
    outcome."""

    class InputSerializer(serializers.Serializer):
        card_token = serializers.CharField(max_length=255)

    @extend_schema(request=InputSerializer, responses={202: PaymentOutputSerializer})
    @idempotent()
    def post(self, request, order_id):
        order = order_get_visible(user=request.user, order_id=order_id)
        if order.buyer_id != request.user.pk:
            raise PermissionDenied("Only the buyer can pay for an order.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = payment_create_for_order(
            order=order, payer=request.user, card_token=serializer.validated_data["card_token"]
        )
        return _payment_response(request, payment)


class PaymentDetailApi(APIView):
    """One payment with every attempt at the gateway, and a link to what it pays for."""

    @extend_schema(responses={200: PaymentOutputSerializer})
    def get(self, request, payment_id):
        payment = payment_get_visible(user=request.user, payment_id=payment_id)
        return Response(PaymentOutputSerializer(payment, context={"request": request}).data)


class CheckoutCreateApi(APIView):
    """Create a payment link (a checkout) for an amount; its hosted page is /pay/<id>/.

    One per Idempotency-Key (header or `idempotency_key` field): the same key again
    returns the same checkout."""

    api_key_access = ApiKeyAccess.WRITE

    permission_classes = [IsAuthenticated, IsMerchant]

    class InputSerializer(serializers.Serializer):
        amount = AmountField()
        currency = CurrencyField(required=False)
        description = serializers.CharField(max_length=255, required=False, default="")
        idempotency_key = serializers.CharField(
            required=False, trim_whitespace=False, help_text=f"Instead of the {HEADER} header."
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: CheckoutOutputSerializer, 200: CheckoutOutputSerializer},
        parameters=[OpenApiParameter(HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER)],
    )
    @takes_form_key
    def post(self, request):
        key = request.headers.get(HEADER)
        if key is not None:
            validate_idempotency_key(key)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = key or data.get("idempotency_key") or browsable_form_key(request)
        if not key:
            raise ApplicationError(
                f"A checkout needs an {HEADER} header or an idempotency_key field.",
                code=IdempotencyErrorCode.REQUIRED,
            )
        validate_idempotency_key(key)
        checkout, created = checkout_create(
            merchant=request.user,
            idempotency_key=key,
            amount=data["amount"],
            currency=data.get("currency") or default_currency(),
            description=data["description"],
        )
        response = Response(
            CheckoutOutputSerializer(checkout).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
        if not created:
            response[REPLAYED_HEADER] = "true"
        return response


class CheckoutDetailApi(APIView):
    """A payment link (checkout): amount, merchant, status. Anyone logged in may pay it."""

    @extend_schema(responses={200: CheckoutOutputSerializer})
    def get(self, request, checkout_id):
        return Response(CheckoutOutputSerializer(checkout_get(checkout_id=checkout_id)).data)


class CheckoutPayApi(APIView):
    """Pay a checkout from your wallet or by card."""

    class InputSerializer(serializers.Serializer):
        payment_method = serializers.ChoiceField(choices=Payment.Method.choices)
        card_token = serializers.CharField(max_length=255, required=False, default="")

        def validate(self, attrs):
            if attrs["payment_method"] == Payment.Method.CARD and not attrs["card_token"]:
                raise serializers.ValidationError({"card_token": ["Required to pay by card."]})
            return attrs

    @extend_schema(request=InputSerializer, responses={202: PaymentOutputSerializer})
    @idempotent()
    def post(self, request, checkout_id):
        checkout = checkout_get(checkout_id=checkout_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = payment_create_for_checkout(
            checkout=checkout,
            payer=request.user,
            method=serializer.validated_data["payment_method"],
            card_token=serializer.validated_data["card_token"],
        )
        return _payment_response(request, payment)


class OrderRefundApi(APIView):
    """Refund an order in full or in part: wallet orders through the ledger at
    once, card orders through the gateway. On 503 gateway_unavailable the amount is held and
    retried automatically; the same Idempotency-Key resumes the same refund. 202:
    the gateway took the refund and confirms it later; the amount is held."""

    api_key_access = ApiKeyAccess.WRITE

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
        amount = AmountField(
            required=False,
            help_text="Part of what was paid, in minor units (cents). Default: all that is left.",
        )

    @extend_schema(
        request=InputSerializer, responses={200: OrderOutputSerializer, 202: OrderOutputSerializer}
    )
    @idempotent(atomic=False)  # card refunds call the gateway, never inside a transaction
    def post(self, request, order_id):
        order = order_get_for_sellers(user=request.user, order_id=order_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refund = refund_order(
            order=order,
            amount=serializer.validated_data.get("amount"),
            actor=request.user,
            reason=serializer.validated_data["reason"],
            request_key=request.idempotency_key,
        )
        order = order_get_visible(user=request.user, order_id=order_id)
        pending = refund is not None and refund.status == PaymentRefund.Status.PENDING
        return Response(
            OrderOutputSerializer(order, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED if pending else status.HTTP_200_OK,
        )


class WalletDepositApi(APIView):
    """Top up your wallet by card: 201 once the charge succeeds, 202 while the gateway
    has not answered, 402 when the card is declined.

    Test cards of the simulated gateway (no real money moves): tok_visa pays at
    once; tok_flaky fails twice, then pays; tok_chargeDeclined is declined;
    tok_timeout never answers; tok_dispute_won and tok_dispute_lost pay, then are
    disputed (the merchant wins, or loses)."""

    class InputSerializer(serializers.Serializer):
        amount = AmountField()
        currency = CurrencyField(required=False)
        card_token = serializers.CharField(
            max_length=255, help_text="A test card, such as tok_visa (see above)."
        )
        description = serializers.CharField(max_length=255, required=False, default="")

    @extend_schema(
        request=InputSerializer,
        responses={201: WalletTransactionOutputSerializer, 202: PaymentOutputSerializer},
    )
    @idempotent(atomic=False)
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = wallet_topup_by_card(
            user=request.user,
            amount=data["amount"],
            currency=data.get("currency") or default_currency(),
            card_token=data["card_token"],
            request_key=request.idempotency_key,
            description=data["description"],
        )
        if payment.status == Payment.Status.FAILED:
            raise ApplicationError(
                payment.failure_message or "The card was declined.",
                code=PaymentErrorCode.CARD_DECLINED,
                status=status.HTTP_402_PAYMENT_REQUIRED,
                extra={"payment_id": str(payment.pk)},
            )
        if payment.status in Payment.CAPTURED:
            entry = wallet_transaction_for_reference(
                user=request.user, reference=f"payment:{payment.pk}"
            )
            return Response(
                WalletTransactionOutputSerializer(entry).data, status=status.HTTP_201_CREATED
            )
        # Still at the gateway (a retry is scheduled, or Stripe's webhook will tell).
        return Response(
            PaymentOutputSerializer(payment, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class StripeWebhookApi(APIView):
    """Called by Stripe, authenticated by the Stripe-Signature header alone."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes: list = []  # the raw body is what gets verified

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT}, auth=[])
    def post(self, request):
        record = webhook_receive_stripe(payload=request.body, headers=request.headers)
        return Response({"received": True, "event_id": record.event_id, "note": record.error})
