import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import AppendOnlyModel, TimestampedModel


class Product(TimestampedModel):
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

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="catalog_product_price_positive"),
        ]
        indexes = [models.Index(fields=["merchant", "-created_at"])]

    def __str__(self):
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_purchasable(self) -> bool:
        return self.is_active and not self.is_deleted


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
