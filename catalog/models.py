import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import AppendOnlyModel, TimestampedModel


def download_path(product: "Product", filename: str) -> str:
    # Stored under a random name: the original one is kept in download_name and
    # only ever sent back as the attachment's name.
    return f"downloads/{product.pk}/{uuid.uuid4().hex}"


class Product(TimestampedModel):
    class DeliveryKind(models.TextChoices):
        MANUAL = "manual", "Manual (the merchant fulfils)"
        CODES = "codes", "Codes (gift cards, licence keys)"
        DOWNLOAD = "download", "Download (a file)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="products",
        limit_choices_to={"role": "MERCHANT"},
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, max_length=5000)
    price = models.BigIntegerField(help_text="Minor units (cents).")
    currency = models.CharField(max_length=3)
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    delivery_kind = models.CharField(
        max_length=8, choices=DeliveryKind.choices, default=DeliveryKind.MANUAL
    )
    unlimited_stock = models.BooleanField(
        default=False, help_text="Downloads only: sold without counting units down."
    )
    download_file = models.FileField(upload_to=download_path, blank=True, max_length=255)
    download_name = models.CharField(max_length=255, blank=True)
    download_size = models.BigIntegerField(default=0)
    codes_low_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Codes products: a codes.running_low event when fewer codes than this are "
        "left. Empty: never.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="catalog_product_price_positive"),
            models.CheckConstraint(
                condition=Q(unlimited_stock=False) | Q(delivery_kind="download"),
                name="catalog_product_unlimited_only_downloads",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-created_at"]),
            # The public catalog's default page: newest first among those on sale.
            models.Index(
                fields=["-created_at", "id"],
                condition=Q(is_active=True, deleted_at__isnull=True),
                name="catalog_product_on_sale_idx",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_purchasable(self) -> bool:
        return self.is_active and not self.is_deleted and self.is_deliverable

    @property
    def is_deliverable(self) -> bool:
        """A download product sells once it has its file."""
        return self.delivery_kind != self.DeliveryKind.DOWNLOAD or bool(self.download_file)

    @property
    def delivers_itself(self) -> bool:
        return self.delivery_kind != self.DeliveryKind.MANUAL


class Stock(models.Model):
    """Units of one product. available + reserved + sold only move together.

    `reserved` are held by unpaid card orders; `sold` are paid for.
    """

    product = models.OneToOneField(
        Product, primary_key=True, on_delete=models.CASCADE, related_name="stock"
    )
    available = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    sold = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(available__gte=0), name="catalog_stock_available_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="catalog_stock_reserved_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(sold__gte=0), name="catalog_stock_sold_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.product_id}: {self.available} available"

    @property
    def total(self) -> int:
        return self.available + self.reserved + self.sold


class StockMovement(AppendOnlyModel):
    class Reason(models.TextChoices):
        INITIAL = "initial"
        ADJUSTMENT = "adjustment"
        SALE = "sale"
        RESERVATION = "reservation"
        RELEASE = "release"
        REFUND = "refund"

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    delta_available = models.BigIntegerField(default=0)
    delta_reserved = models.BigIntegerField(default=0)
    delta_sold = models.BigIntegerField(default=0)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=64, blank=True, help_text="e.g. the order id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(delta_available=0, delta_reserved=0, delta_sold=0),
                name="catalog_stockmovement_moves_something",
            ),
        ]

    def __str__(self):
        return f"{self.reason} {self.product_id} ({self.delta_available:+d} available)"


class ProductCode(models.Model):
    """One gift-card code or licence key: one unit of its product's stock.

    Available codes are the product's available units, reserved ones are held by
    an unpaid card order, sold ones are delivered; voided ones (removed by the
    merchant, or burned by a refund) are never sold again. The code itself is
    stored encrypted (core.crypto); the fingerprint keeps it unique per product.
    """

    class State(models.TextChoices):
        AVAILABLE = "available"
        RESERVED = "reserved"
        SOLD = "sold"
        VOIDED = "voided"

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="codes")
    ciphertext = models.TextField()
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.AVAILABLE)
    order_item = models.ForeignKey(
        "orders.OrderItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="codes",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "fingerprint"], name="catalog_code_unique_per_product"
            ),
            models.CheckConstraint(
                condition=Q(state="available", order_item__isnull=True)
                | Q(state__in=["reserved", "sold"], order_item__isnull=False)
                | Q(state="voided"),
                name="catalog_code_held_by_an_order_line",
            ),
        ]
        indexes = [models.Index(fields=["product", "state", "id"])]

    def __str__(self):
        return f"Code {self.pk} of {self.product_id} ({self.state})"
