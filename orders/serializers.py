from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.links import link
from orders.models import Order, OrderEvent
from orders.selectors import order_fulfilment_note

# Plain serializers with their fields spelled out: a ModelSerializer works its
# fields out from the model on every use, which is a real share of a
# checkout's CPU (docs/performance.md).

_datetime = serializers.DateTimeField()  # DRF's format for every date below


class OrderItemOutputSerializer(serializers.Serializer):
    product_id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    unit_price = serializers.IntegerField(read_only=True, help_text="Minor units.")
    quantity = serializers.IntegerField(read_only=True)
    discount = serializers.IntegerField(
        read_only=True, help_text="Minor units a discount code took off this line."
    )
    subtotal = serializers.IntegerField(
        read_only=True, help_text="Minor units paid: unit_price × quantity − discount."
    )


class OrderOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    number = serializers.CharField(
        read_only=True, help_text="What people read out and search their mail for: K-10482."
    )
    status = serializers.ChoiceField(choices=Order.Status.choices, read_only=True)
    total = serializers.IntegerField(
        read_only=True, help_text="Minor units, from the database prices."
    )
    currency = serializers.CharField(read_only=True)
    payment_method = serializers.ChoiceField(choices=Order.PaymentMethod.choices, read_only=True)
    reserved_until = serializers.DateTimeField(read_only=True, allow_null=True)
    refunded_amount = serializers.IntegerField(read_only=True)
    discount_code = serializers.CharField(read_only=True, help_text="Empty without one.")
    discount = serializers.IntegerField(
        read_only=True, help_text="Minor units taken off: the lines' discounts summed."
    )
    items = OrderItemOutputSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="This order.")
    events_url = serializers.SerializerMethodField(help_text="Its audit trail.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(serializers.URLField())
    def get_url(self, order) -> str:
        return link(self, "order-detail", order_id=order.pk)

    @extend_schema_field(serializers.URLField())
    def get_events_url(self, order) -> str:
        return link(self, "order-events", order_id=order.pk)

    def to_representation(self, order) -> dict:
        """The fields above, written out: DRF would deep-copy them for every
        order it renders, a sizeable share of a checkout's CPU. The fields stay
        the schema (tests compare the two)."""
        return {
            "id": str(order.pk),
            "number": order.number,
            "status": str(order.status),
            "total": order.total,
            "currency": order.currency,
            "payment_method": str(order.payment_method),
            "reserved_until": _datetime.to_representation(order.reserved_until),
            "refunded_amount": order.refunded_amount,
            "discount_code": order.discount_code,
            "discount": order.discount,
            "items": [
                {
                    "product_id": str(item.product_id),
                    "name": item.name,
                    "unit_price": item.unit_price,
                    "quantity": item.quantity,
                    "discount": item.discount,
                    "subtotal": item.subtotal,
                }
                for item in order.items.all()
            ],
            "url": self.get_url(order),
            "events_url": self.get_events_url(order),
            "created_at": _datetime.to_representation(order.created_at),
            "updated_at": _datetime.to_representation(order.updated_at),
        }


class OrderDetailOutputSerializer(OrderOutputSerializer):
    payment_urls = serializers.SerializerMethodField(help_text="Its payments, newest first.")
    fulfilment_note = serializers.SerializerMethodField(
        help_text="The code or message the merchant fulfilled it with; empty without one. "
        "In full for the buyer, masked (AAAA-••••) for anyone else and while disputed."
    )

    def get_fulfilment_note(self, order) -> str:
        return order_fulfilment_note(order=order, viewer=self.context["request"].user)

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_payment_urls(self, order) -> list[str]:
        payments = sorted(order.payments.all(), key=lambda p: p.created_at, reverse=True)
        return [link(self, "payment-detail", payment_id=payment.pk) for payment in payments]

    def to_representation(self, order) -> dict:
        return super().to_representation(order) | {
            "payment_urls": self.get_payment_urls(order),
            "fulfilment_note": self.get_fulfilment_note(order),
        }


class OrderEventOutputSerializer(serializers.ModelSerializer):
    # Empty for the event that creates the order, so not an OrderStatus value.
    from_status = serializers.CharField(help_text="The previous status; empty at creation.")
    actor_id = serializers.UUIDField(allow_null=True, help_text="Empty when the system acted.")

    class Meta:
        model = OrderEvent
        fields = ["id", "from_status", "to_status", "actor_id", "reason", "created_at"]
        read_only_fields = fields
