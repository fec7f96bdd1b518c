import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import TimestampedModel


class Outcome(models.TextChoices):
    """What one step with the gateway came to: the one vocabulary for charge
    and refund results, attempts and task results."""

    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    TRANSIENT_ERROR = "transient_error"
    PENDING = "pending", "Pending at the gateway"
    SKIPPED = "skipped", "Nothing left to do"
    # The gateway refused Kassa, not the card (a revoked key): the payment waits.
    UNAVAILABLE = "unavailable", "Card payments unavailable"


class Checkout(TimestampedModel):
    """A merchant's payment request for an amount, without products."""

    class Status(models.TextChoices):
        PENDING = "PENDING"
        PROCESSING = "PROCESSING"
        COMPLETED = "COMPLETED"
        FAILED = "FAILED"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkouts"
    )
    idempotency_key = models.CharField(max_length=255)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"], name="payments_checkout_merchant_key"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_checkout_amount_positive"
            ),
        ]

    def __str__(self):
        return f"Checkout {self.pk} ({self.status})"


class Payment(TimestampedModel):
    class Purpose(models.TextChoices):
        ORDER = "ORDER"
        CHECKOUT = "CHECKOUT"
        TOPUP = "TOPUP", "Wallet top-up"

    class Method(models.TextChoices):
        CARD = "CARD"
        WALLET = "WALLET"

    class Status(models.TextChoices):
        PENDING = "PENDING"
        PROCESSING = "PROCESSING"
        SUCCEEDED = "SUCCEEDED"
        FAILED = "FAILED"
        PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
        REFUNDED = "REFUNDED"

    FINAL = frozenset({Status.SUCCEEDED, Status.FAILED, Status.PARTIALLY_REFUNDED, Status.REFUNDED})
    CAPTURED = frozenset({Status.SUCCEEDED, Status.PARTIALLY_REFUNDED, Status.REFUNDED})

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.CARD)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    checkout = models.ForeignKey(
        Checkout, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    card_token = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=255, blank=True)
    gateway = models.CharField(max_length=20, blank=True)
    gateway_reference = models.CharField(max_length=255, blank=True, db_index=True)
    refunded_amount = models.BigIntegerField(default=0)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    request_key = models.CharField(
        max_length=255, blank=True, help_text="The payer's Idempotency-Key, for top-ups."
    )
    last_event_at = models.DateTimeField(
        null=True, blank=True, help_text="Creation time of the newest gateway event applied."
    )
    late_capture = models.BooleanField(
        default=False,
        help_text="Captured after what it paid for had moved on (the payment had failed, "
        "the order was cancelled): nothing was settled, the whole amount goes back.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("amount")),
                name="payments_payment_refund_within_amount",
            ),
            # One live (not failed) payment per order and per checkout: at most
            # one success, and never two in flight at once. A late capture is
            # not live: it paid for nothing and is being given back.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(order__isnull=False) & ~Q(status="FAILED") & Q(late_capture=False),
                name="payments_one_live_payment_per_order",
            ),
            models.UniqueConstraint(
                fields=["checkout"],
                condition=Q(checkout__isnull=False) & ~Q(status="FAILED") & Q(late_capture=False),
                name="payments_one_live_payment_per_checkout",
            ),
            models.UniqueConstraint(
                fields=["payer", "request_key"],
                condition=~Q(request_key=""),
                name="payments_one_topup_per_request_key",
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self):
        return f"Payment {self.pk} ({self.status})"

    @property
    def gateway_idempotency_key(self) -> str:
        """Stable across retries and redeliveries, so the gateway charges once."""
        return f"kassa-payment-{self.pk}"


class PaymentAttempt(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    gateway_response = models.JSONField(default=dict, blank=True)
    error_message = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "number"], name="payments_attempt_number"),
        ]

    def __str__(self):
        return f"{self.payment_id} #{self.number} {self.outcome or 'running'}"


class PaymentRefund(TimestampedModel):
    class Status(models.TextChoices):
        PENDING = "PENDING"
        SUCCEEDED = "SUCCEEDED"
        FAILED = "FAILED"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=255, blank=True)
    gateway_reference = models.CharField(max_length=255, blank=True)
    request_key = models.CharField(
        max_length=255,
        blank=True,
        help_text="Names the request that asked for it; a retry resumes it.",
    )
    failure_message = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    made_at_gateway = models.BooleanField(
        default=False,
        help_text="Made outside Kassa (say in Stripe's dashboard) and recorded from its webhook.",
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_refund_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["gateway_reference"],
                condition=~Q(gateway_reference=""),
                name="payments_one_refund_per_gateway_reference",
            ),
            models.UniqueConstraint(
                fields=["payment", "request_key"],
                condition=~Q(request_key=""),
                name="payments_one_refund_per_request_key",
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self):
        return f"Refund {self.amount} of {self.payment_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status != self.Status.PENDING

    @property
    def gateway_idempotency_key(self) -> str:
        """Stable across the request, its retries and the retry task: one refund."""
        return f"kassa-refund-{self.pk}"

    @property
    def ledger_reference(self) -> str:
        return f"refund:{self.pk}"


class Dispute(TimestampedModel):
    """A buyer's bank taking a card payment back (a chargeback). While OPEN the
    disputed amount is held, out of the merchants' reach; WON gives it back,
    LOST sends it to the card network."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        WON = "WON", "Won"
        LOST = "LOST", "Lost"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(max_length=100, blank=True)
    gateway_reference = models.CharField(max_length=255, unique=True)
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    evidence_submitted_at = models.DateTimeField(null=True, blank=True)
    order_status_before = models.CharField(
        max_length=20, blank=True, help_text="What a won dispute gives the order back."
    )
    held = models.JSONField(
        default=dict,
        help_text="{merchant id: {available, debt}}: where the held money came from.",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_dispute_amount_positive"
            ),
        ]

    def __str__(self):
        return f"Dispute {self.gateway_reference} of {self.payment_id} ({self.status})"

    @property
    def ledger_reference(self) -> str:
        return f"dispute:{self.pk}"


class SimulatedGatewayRecord(models.Model):
    """The simulated gateway's own books: what a real gateway keeps on its side
    (its charges, refunds and disputes), so reconcile_gateway has something to
    compare Kassa's records with when no real gateway is configured."""

    class Kind(models.TextChoices):
        CHARGE = "charge"
        REFUND = "refund"
        DISPUTE = "dispute"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    reference = models.CharField(max_length=255, unique=True)
    payment_reference = models.CharField(max_length=255, blank=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.kind} {self.reference} {self.status}"


class WebhookEvent(models.Model):
    """Every webhook delivery, stored raw. A valid event id is processed once."""

    provider = models.CharField(max_length=20, default="stripe")
    event_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    event_type = models.CharField(max_length=100, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    signature_valid = models.BooleanField(default=False)
    processed = models.BooleanField(default=False)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.provider} {self.event_type or '?'} {self.event_id or '(invalid)'}"
