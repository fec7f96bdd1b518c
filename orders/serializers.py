from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.links import link
from orders.models import Order, OrderEvent, OrderItem


class OrderItemOutputSerializer(serializers.ModelSerializer):
    product_id = serializers.UUIDField()
    subtotal = serializers.IntegerField()

    class Meta:
        model = OrderItem
        fields = ["product_id", "name", "unit_price", "quantity", "subtotal"]
        read_only_fields = fields


class OrderOutputSerializer(serializers.ModelSerializer):
    items = OrderItemOutputSerializer(many=True)
    url = serializers.SerializerMethodField(help_text="This order.")
    events_url = serializers.SerializerMethodField(help_text="Its audit trail.")

    class Meta:
        model = Order
        fields = [
            "id",
            "status",
            "total",
            "currency",
            "payment_method",
            "reserved_until",
            "refunded_amount",
            "items",
            "url",
            "events_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_url(self, order) -> str:
        return link(self, "order-detail", order_id=order.pk)

    @extend_schema_field(serializers.URLField())
    def get_events_url(self, order) -> str:
        return link(self, "order-events", order_id=order.pk)


class OrderDetailOutputSerializer(OrderOutputSerializer):
    payment_urls = serializers.SerializerMethodField(help_text="Its payments, newest first.")

    class Meta(OrderOutputSerializer.Meta):
        fields = [*OrderOutputSerializer.Meta.fields, "payment_urls"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_payment_urls(self, order) -> list[str]:
        payments = sorted(order.payments.all(), key=lambda p: p.created_at, reverse=True)
        return [link(self, "payment-detail", payment_id=payment.pk) for payment in payments]


class OrderEventOutputSerializer(serializers.ModelSerializer):
    # Empty for the event that creates the order, so not an OrderStatus value.
    from_status = serializers.CharField(help_text="The previous status; empty at creation.")
    actor_id = serializers.UUIDField(allow_null=True, help_text="Empty when the system acted.")

    class Meta:
        model = OrderEvent
        fields = ["id", "from_status", "to_status", "actor_id", "reason", "created_at"]
        read_only_fields = fields
