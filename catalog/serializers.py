from rest_framework import serializers

from catalog.models import Product, Stock, StockMovement


class MerchantSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="full_name")


class ProductOutputSerializer(serializers.ModelSerializer):
    stock = serializers.IntegerField(source="stock.available", help_text="Units available.")
    merchant = MerchantSummarySerializer()

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "price",
            "currency",
            "stock",
            "is_active",
            "merchant",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class StockOutputSerializer(serializers.ModelSerializer):
    product_id = serializers.UUIDField()
    product_name = serializers.CharField(source="product.name")

    class Meta:
        model = Stock
        fields = ["product_id", "product_name", "available", "reserved", "sold", "updated_at"]
        read_only_fields = fields


class StockMovementOutputSerializer(serializers.ModelSerializer):
    actor_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "reason",
            "delta_available",
            "delta_reserved",
            "delta_sold",
            "note",
            "reference",
            "actor_id",
            "created_at",
        ]
        read_only_fields = fields
