from rest_framework import serializers

from catalog.serializers import MerchantSummarySerializer
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
            "attempts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


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
