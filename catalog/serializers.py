from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.images import product_image
from catalog.models import Product, ProductCode, Stock, StockMovement
from core import crypto
from core.links import link


class MerchantSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="full_name")


class ImageFileSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.CharField(help_text="Public; a new upload gets new URLs.")


class ProductImageSerializer(serializers.Serializer):
    src = serializers.CharField(help_text="The 640 px cover (or the widest below it).")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    srcset = serializers.CharField(help_text="Every width, for an <img srcset>.")
    files = ImageFileSerializer(many=True)


class ProductOutputSerializer(serializers.ModelSerializer):
    stock = serializers.IntegerField(source="stock_counts.available", help_text="Units available.")
    merchant = MerchantSummarySerializer()
    image = serializers.SerializerMethodField(help_text="The cover image; null without one.")
    url = serializers.SerializerMethodField(help_text="This product.")
    inventory_url = serializers.SerializerMethodField(help_text="Its stock (owner and admins).")

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
            "delivery_kind",
            "unlimited_stock",
            "codes_low_threshold",
            "stock_buckets",
            "activation_limit",
            "licence_days",
            "download_name",
            "download_size",
            "image",
            "merchant",
            "url",
            "inventory_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_url(self, product) -> str:
        return link(self, "product-detail", product_id=product.pk)

    @extend_schema_field(ProductImageSerializer(allow_null=True))
    def get_image(self, product) -> dict | None:
        image = product_image(product)
        request = self.context.get("request")
        if image is None or request is None:
            return image
        # Absolute, as every other link of the API (the filesystem storage
        # gives paths; a bucket's URLs are absolute already and stay as they are).
        absolute = request.build_absolute_uri
        files = [file | {"url": absolute(file["url"])} for file in image["files"]]
        return {
            "src": absolute(image["src"]),
            "width": image["width"],
            "height": image["height"],
            "srcset": ", ".join(f"{file['url']} {file['width']}w" for file in files),
            "files": files,
        }

    @extend_schema_field(serializers.URLField())
    def get_inventory_url(self, product) -> str:
        return link(self, "inventory-detail", product_id=product.pk)


class StockOutputSerializer(serializers.ModelSerializer):
    product_id = serializers.UUIDField()
    product_name = serializers.CharField(source="product.name")
    # The product's counts: the stock row's and, for a flash sale, its buckets'.
    available = serializers.IntegerField(source="product.stock_counts.available")
    reserved = serializers.IntegerField(source="product.stock_counts.reserved")
    sold = serializers.IntegerField(source="product.stock_counts.sold")

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


class ProductCodeOutputSerializer(serializers.ModelSerializer):
    """A code as its merchant sees it: masked, never in full."""

    code = serializers.SerializerMethodField(
        help_text="Masked, the last four shown: XBOX-••••-7QX4 (a short code: AAAA-••••)."
    )
    order_id = serializers.UUIDField(source="order_item.order_id", allow_null=True, default=None)

    class Meta:
        model = ProductCode
        fields = ["id", "code", "state", "order_id", "created_at", "delivered_at", "voided_at"]
        read_only_fields = fields

    def get_code(self, code) -> str:
        return crypto.mask(crypto.decrypt(code.ciphertext))
