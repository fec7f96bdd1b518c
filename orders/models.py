import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import AppendOnlyModel, TimestampedModel


class Order(TimestampedModel):
    class Status(models.TextChoices):
        CREATED = "CREATED"
        PAYMENT_PENDING = "PAYMENT_PENDING"
        PAID = "PAID"
        FULFILLED = "FULFILLED"
        CANCELLED = "CANCELLED"
        REFUNDED = "REFUNDED"
        # A card dispute is open: the money is held, codes and files withheld.
        DISPUTED = "DISPUTED"
        # The dispute was lost: the card network took the money back.
        CHARGEBACK = "CHARGEBACK"

    class PaymentMethod(models.TextChoices):
        WALLET = "WALLET"
        CARD = "CARD"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    payment_method = models.CharField(max_length=8, choices=PaymentMethod.choices)
    total = models.BigIntegerField(help_text="Minor units, from the database prices.")
    currency = models.CharField(max_length=3)
    refunded_amount = models.BigIntegerField(default=0)
    reserved_until = models.DateTimeField(null=True, blank=True)
    # Set by the commit that paid the order; the receipts sweep emails the
    # receipt once it is due and clears it (a lease while it sends).
    receipt_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="orders_order_total_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("total")),
                name="orders_order_refund_within_total",
            ),
        ]
        indexes = [
            # "My orders", newest first, paged by position (created_at, id).
            models.Index(fields=["buyer", "-created_at", "-id"], name="orders_buyer_newest_idx"),
            models.Index(
                fields=["reserved_until"],
                condition=Q(status="PAYMENT_PENDING"),
                name="orders_pending_reservation_idx",
            ),
            models.Index(
                fields=["receipt_due_at"],
                condition=Q(receipt_due_at__isnull=False),
                name="orders_receipt_due_idx",
            ),
        ]

    def __str__(self):
        return f"Order {self.pk} ({self.status})"

    @property
    def number(self) -> str:
        """What people read out and search their mail for: the id's first part."""
        return str(self.pk)[:8].upper()


class OrderItem(models.Model):
    """A line of an order; name and price are copied at checkout and never change."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sold_items"
    )
    name = models.CharField(max_length=200)
    unit_price = models.BigIntegerField()
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=100), name="orders_item_quantity_range"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gt=0), name="orders_item_unit_price_positive"
            ),
            models.UniqueConstraint(
                fields=["order", "product"], name="orders_item_one_line_per_product"
            ),
        ]
        indexes = [models.Index(fields=["merchant", "order"])]

    def __str__(self):
        return f"{self.quantity} × {self.name}"

    @property
    def subtotal(self) -> int:
        return self.unit_price * self.quantity


class OrderEvent(AppendOnlyModel):
    """The audit trail: one row per status change, written with the change."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=16, choices=Order.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Order.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system acted (expiry, payment processing).",
    )
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.from_status or '∅'} → {self.to_status}"


class DownloadGrant(models.Model):
    """The right to download one line's file: a few times, for a while.

    Served from a signed link (orders.downloads); downloads are counted by one
    conditional UPDATE, so parallel requests cannot go past the limit.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_item = models.ForeignKey(
        OrderItem, on_delete=models.PROTECT, related_name="download_grants"
    )
    expires_at = models.DateTimeField()
    download_limit = models.PositiveIntegerField()
    downloads_used = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(downloads_used__lte=F("download_limit")),
                name="orders_download_within_limit",
            ),
        ]

    def __str__(self):
        return f"Download grant {self.pk}"

    @property
    def downloads_left(self) -> int:
        return self.download_limit - self.downloads_used


class DeliveryAccess(AppendOnlyModel):
    """The buyer reached what an order delivered: its codes shown on the order
    page or through the API, a file downloaded. Append-only: this is what a
    dispute's evidence says the buyer received, and when."""

    class Kind(models.TextChoices):
        CODES_SHOWN = "codes_shown", "Codes shown"
        DOWNLOAD = "download", "File downloaded"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="accesses")
    order_item = models.ForeignKey(
        OrderItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "delivery accesses"

    def __str__(self):
        return f"{self.get_kind_display()} for {self.order_id} at {self.created_at:%Y-%m-%d %H:%M}"
