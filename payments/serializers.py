from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.serializers import MerchantSummarySerializer
from core.links import link
from payments.models import Checkout, Payment, PaymentAttempt


class PaymentAttemptOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentAttempt
        fields = ["number", "started_at", "finished_at", "outcome", "error_message"]
        read_only_fields = fields


class PaymentOutputSerializer(serializers.ModelSerializer):
    attempts = PaymentAttemptOutputSerializer(many=True)
    order_id = serializers.UUIDField(allow_null=True)
    checkout_id = serializers.UUIDField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="This payment.")
    paid_for_url = serializers.SerializerMethodField(
        help_text="The order or checkout it pays for (none for a wallet top-up)."
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "status",
            "purpose",
            "method",
            "amount",
            "currency",
            "refunded_amount",
            "gateway",
            "failure_code",
            "failure_message",
            "order_id",
            "checkout_id",
            "url",
            "paid_for_url",
            "attempts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_url(self, payment) -> str:
        return link(self, "payment-detail", payment_id=payment.pk)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_paid_for_url(self, payment) -> str | None:
        if payment.order_id:
            return link(self, "order-detail", order_id=payment.order_id)
        if payment.checkout_id:
            return link(self, "checkout-detail", checkout_id=payment.checkout_id)
        return None


class CheckoutOutputSerializer(serializers.ModelSerializer):
    merchant = MerchantSummarySerializer()

    class Meta:
        model = Checkout
        fields = [
            "id",
            "status",
            "amount",
            "currency",
            "description",
            "merchant",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
