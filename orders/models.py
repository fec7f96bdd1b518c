import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from core.models import AppendOnlyModel, TimestampedModel

# The first order is K-10001: numbers people read out have five digits from
# the start, and a count that began at 1 would tell how few orders there are.
FIRST_ORDER_SERIAL = 10001
ORDER_SERIAL_SEQUENCE = "orders_order_serial_seq"


class NextOrderSerial(models.Expression):
    """The next order's serial, made by the database in the INSERT itself (no
    statement of its own): PostgreSQL's sequence; on SQLite, which has one
    writer at a time, one more than the largest (the unique index backs both)."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection):
        table = connection.ops.quote_name(Order._meta.db_table)
        sql = f'(SELECT COALESCE(MAX("serial") + 1, %s) FROM {table})'  # noqa: S608 (a table name)
        return sql, [FIRST_ORDER_SERIAL]

    def as_postgresql(self, compiler, connection):
        return "nextval(%s)", [ORDER_SERIAL_SEQUENCE]


class OrderSerialField(models.BigIntegerField):
    """A number the database gives each new order, read back by the INSERT's
    RETURNING as keys it makes are."""

    db_returning = True

    def pre_save(self, model_instance, add):
        if add and getattr(model_instance, self.attname) is None:
            return NextOrderSerial()
        return super().pre_save(model_instance, add)


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
    serial = OrderSerialField(unique=True, editable=False, help_text="Read as K-10482.")
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
    # The discount code used, copied as the lines' names are (the sales list
    # shows it without a join), and what it took off: the lines' discounts.
    discount_code = models.CharField(max_length=40, blank=True, default="", db_default="")
    discount = models.BigIntegerField(default=0, db_default=0)
    # What the merchant's "Fulfil" gave the buyer of a hand-delivered order (a
    # code, a message), encrypted as codes are (core.crypto); empty: nothing.
    fulfilment_note_ciphertext = models.TextField(blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="orders_order_total_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("total")),
                name="orders_order_refund_within_total",
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0), name="orders_order_discount_not_negative"
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

    NUMBER_PREFIX = "K-"

    @property
    def number(self) -> str:
        """What people read out and search their mail for: K-10482."""
        return f"{self.NUMBER_PREFIX}{self.serial}"

    @classmethod
    def serial_from_number(cls, text: str) -> int | None:
        """The serial of "K-10482" (or "k 10482", "10482"), None if it is none."""
        digits = text.strip().upper().removeprefix("K").lstrip("-# ")
        return int(digits) if digits.isdigit() and len(digits) < 16 else None

    @property
    def refundable(self) -> int:
        """The most a refund may still give back (less while a card refund waits
        for the gateway: payments says so when it refuses)."""
        return self.total - self.refunded_amount


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
    # Minor units a discount code took off this line (orders.discounts): what
    # the buyer paid for it, the merchant is paid and a refund gives back is
    # the subtotal, gross less this.
    discount = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=100), name="orders_item_quantity_range"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gt=0), name="orders_item_unit_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0, discount__lte=F("unit_price") * F("quantity")),
                name="orders_item_discount_within_gross",
            ),
            models.UniqueConstraint(
                fields=["order", "product"], name="orders_item_one_line_per_product"
            ),
        ]
        indexes = [models.Index(fields=["merchant", "order"])]

    def __str__(self):
        return f"{self.quantity} × {self.name}"

    @property
    def gross(self) -> int:
        return self.unit_price * self.quantity

    @property
    def subtotal(self) -> int:
        """What the buyer paid for the line."""
        return self.unit_price * self.quantity - self.discount


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


class Discount(models.Model):
    """A merchant's discount code: percent off XOR an amount off the subtotal of
    the lines it applies to. `redeemed` counts held and final redemptions; it
    is raised by one conditional UPDATE at the end of a checkout and the CHECK
    below backs it, so parallel checkouts never go past max_redemptions."""

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="discounts"
    )
    # Unique in any case across Kassa: a cart of several merchants' products
    # takes one code, and it must name one discount.
    code = models.CharField(max_length=40)
    percent_off = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_off = models.BigIntegerField(null=True, blank=True, help_text="Minor units.")
    currency = models.CharField(
        max_length=3, blank=True, help_text="Of amount_off and min_subtotal; empty: any."
    )
    min_subtotal = models.BigIntegerField(
        null=True, blank=True, help_text="Minor units, of the lines it applies to."
    )
    applies_to_all = models.BooleanField(default=True)
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    max_redemptions = models.PositiveIntegerField(null=True, blank=True)
    once_per_customer = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    redeemed = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="orders_discount_code_unique_ci"),
            models.CheckConstraint(
                condition=(
                    Q(percent_off__gte=1, percent_off__lte=100, amount_off__isnull=True)
                    | Q(percent_off__isnull=True, amount_off__gt=0, currency__regex=r"^[A-Z]{3}$")
                ),
                name="orders_discount_percent_xor_amount",
            ),
            models.CheckConstraint(
                condition=Q(max_redemptions__isnull=True)
                | Q(max_redemptions__gte=1, redeemed__lte=F("max_redemptions")),
                name="orders_discount_within_max_redemptions",
            ),
            models.CheckConstraint(
                condition=Q(min_subtotal__isnull=True) | Q(min_subtotal__gt=0),
                name="orders_discount_min_subtotal_positive",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="orders_discount_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "-created_at"])]

    def __str__(self):
        return self.code

    @property
    def redemptions_left(self) -> int | None:
        if self.max_redemptions is None:
            return None
        return self.max_redemptions - self.redeemed


class DiscountRedemption(models.Model):
    """One order's use of a code: held with a card order's reservation, final
    once paid, released (and its count given back) when the order is cancelled."""

    class State(models.TextChoices):
        HELD = "HELD"
        REDEEMED = "REDEEMED"
        RELEASED = "RELEASED"

    discount = models.ForeignKey(Discount, on_delete=models.PROTECT, related_name="redemptions")
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="redemption")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.BigIntegerField(help_text="Minor units taken off the order.")
    state = models.CharField(max_length=8, choices=State.choices)
    # The discount's rule, copied: the partial unique constraint below can only
    # read this row.
    once_per_customer = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="orders_redemption_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["discount", "customer"],
                condition=Q(once_per_customer=True, state__in=["HELD", "REDEEMED"]),
                name="orders_redemption_once_per_customer",
            ),
        ]

    def __str__(self):
        return f"{self.discount_id} on {self.order_id} ({self.state})"
