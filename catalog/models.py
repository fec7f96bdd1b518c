import uuid
from functools import cached_property
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum

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
        LICENCE = "licence", "Licence keys (generated, checked by your software)"

    # How a buyer gets it, in the buyer's words (the labels above are the
    # merchant's): every card, product page, cart and order says the same.
    BUYER_DELIVERY = {
        DeliveryKind.MANUAL: "Sent by the merchant",
        DeliveryKind.CODES: "Instant code",
        DeliveryKind.DOWNLOAD: "Download",
        DeliveryKind.LICENCE: "Instant licence key",
    }

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
    activation_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=1,
        help_text="Licence products: machines one key may be activated on. Empty: unlimited.",
    )
    licence_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Licence products: days a key is valid from payment. Empty: forever.",
    )
    # A flash sale's: the units spread over this many rows (StockBucket) so that
    # its sales stop waiting for one row (docs/scaling.md). 1: the stock row alone.
    stock_buckets = models.PositiveSmallIntegerField(
        default=1,
        db_default=1,
        help_text="Rows a flash sale's stock is spread over (1–64); 1: one stock row.",
    )
    # The cover image, in the widths catalog.services.images made on upload:
    # "<image_name>-<width>.webp" in the default storage; empty: none.
    image_name = models.CharField(max_length=255, blank=True, default="", db_default="")
    image_widths = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="catalog_product_price_positive"),
            models.CheckConstraint(
                condition=Q(unlimited_stock=False) | Q(delivery_kind="download"),
                name="catalog_product_unlimited_only_downloads",
            ),
            models.CheckConstraint(
                condition=Q(activation_limit__isnull=True) | Q(activation_limit__gte=1),
                name="catalog_product_activation_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(licence_days__isnull=True) | Q(licence_days__gte=1),
                name="catalog_product_licence_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(stock_buckets__gte=1, stock_buckets__lte=64)
                & (Q(stock_buckets=1) | Q(unlimited_stock=False)),
                name="catalog_product_stock_buckets_counted",
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

    @property
    def buyer_delivery(self) -> str:
        return self.BUYER_DELIVERY[self.delivery_kind]

    @cached_property
    def stock_counts(self) -> "StockCounts":
        """Its units available, reserved and sold: the stock row's, and for a
        product whose stock is spread over buckets, theirs too (one query more)."""
        stock = self.stock
        counts = StockCounts(stock.available, stock.reserved, stock.sold)
        if self.stock_buckets == 1:
            return counts
        spread = self.buckets.aggregate(
            available=Sum("available", default=0),
            reserved=Sum("reserved", default=0),
            sold=Sum("sold", default=0),
        )
        return StockCounts(*(mine + spread[name] for name, mine in counts._asdict().items()))


class StockCounts(NamedTuple):
    available: int
    reserved: int
    sold: int


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


class StockBucket(models.Model):
    """A share of a flash-sale product's units (Product.stock_buckets > 1): a
    sale takes from one picked at random, locking that row alone. The product's
    counts are its Stock row's plus its buckets'; units move between them only
    with all locked, and no movement is recorded (the counts do not change)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="buckets")
    index = models.PositiveSmallIntegerField()
    available = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    sold = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "index"], name="catalog_bucket_one_per_index"
            ),
            models.CheckConstraint(
                condition=Q(available__gte=0, reserved__gte=0, sold__gte=0),
                name="catalog_bucket_counts_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.product_id} #{self.index}: {self.available} available"


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


class Licence(models.Model):
    """One licence key, generated for one unit of a paid licence product.

    The key is stored encrypted (core.crypto) and found by its keyed
    fingerprint, unique across every product: the key alone identifies it.
    `state` is what the merchant, a refund or a dispute decided; expired and
    inactive (never activated) are read from the dates and the count
    (catalog.licences.licence_status). `activation_count` is the number of
    live activations, kept under the licence row's lock and held to the limit
    by a constraint, so parallel activations cannot pass it.
    """

    class State(models.TextChoices):
        ACTIVE = "active"
        DISABLED = "disabled"
        REVOKED = "revoked"

    class Status(models.TextChoices):
        """What the Licence API answers: the state, or read from dates and count."""

        ACTIVE = "active"
        INACTIVE = "inactive"
        EXPIRED = "expired"
        DISABLED = "disabled"
        REVOKED = "revoked"

    class Reason(models.TextChoices):
        MERCHANT = "merchant", "Disabled by the merchant"
        DISPUTED = "disputed", "The card payment is disputed"
        REFUNDED = "refunded", "The order was refunded"
        CHARGEBACK = "chargeback", "The card payment was charged back"

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="licences")
    order_item = models.ForeignKey(
        "orders.OrderItem", on_delete=models.PROTECT, related_name="licences"
    )
    ciphertext = models.TextField()
    fingerprint = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    reason = models.CharField(max_length=10, choices=Reason.choices, blank=True)
    activation_limit = models.PositiveIntegerField(null=True, blank=True)
    activation_count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(activation_limit__isnull=True)
                | Q(activation_count__lte=models.F("activation_limit")),
                name="catalog_licence_activations_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(state="active", reason="")
                | Q(state="disabled", reason__in=["merchant", "disputed"])
                | Q(state="revoked", reason__in=["refunded", "chargeback"]),
                name="catalog_licence_reason_matches_state",
            ),
        ]
        indexes = [models.Index(fields=["product", "id"])]

    def __str__(self):
        return f"Licence {self.pk} of {self.product_id} ({self.state})"

    def status_at(self, now) -> str:
        if self.state != self.State.ACTIVE:
            return self.state
        if self.expires_at is not None and self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.ACTIVE if self.activation_count else self.Status.INACTIVE


class LicenceActivation(models.Model):
    """One machine (an instance) a licence is activated on; the id is the
    instance_id the merchant's software keeps. Deactivated ones stay as history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="activations")
    instance_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["licence", "deactivated_at"])]

    def __str__(self):
        return f"{self.instance_name} on licence {self.licence_id}"
