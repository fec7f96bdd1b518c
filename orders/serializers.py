from rest_framework import serializers

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
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrderEventOutputSerializer(serializers.ModelSerializer):
    # Empty for the event that creates the order, so not an OrderStatus value.
    from_status = serializers.CharField(help_text="The previous status; empty at creation.")
    actor_id = serializers.UUIDField(allow_null=True, help_text="Empty when the system acted.")

    class Meta:
        model = OrderEvent
        fields = ["id", "from_status", "to_status", "actor_id", "reason", "created_at"]
        read_only_fields = fields
