import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import TimestampedModel


class Event(models.Model):
    """One change a merchant cares about, written in the change's own
    transaction (an outbox). `sequence` is numbered after the commit by the
    relay (events.services.relay), one relay at a time: per merchant 1, 2, 3, …
    in the order the changes committed, with no gap."""

    # Insertion order, which the relay numbers in: rows are inserted under the
    # locks of the change they describe, so two changes of the same rows insert
    # their events in the order they commit.
    id = models.BigAutoField(primary_key=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    type = models.CharField(max_length=64)
    data = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    sequence = models.PositiveBigIntegerField(null=True, blank=True)
    sequenced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["merchant", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "sequence"], name="events_event_one_per_sequence"
            ),
        ]
        indexes = [
            # What the relay reads: the few rows not numbered yet.
            models.Index(
                fields=["id"], condition=Q(sequence__isnull=True), name="events_unsequenced_idx"
            ),
        ]

    def __str__(self):
        return f"{self.type} #{self.sequence or '?'} for {self.merchant_id}"


class WebhookEndpoint(TimestampedModel):
    """A merchant's receiver: events are POSTed to `url`, signed with its secret,
    one at a time and in sequence order."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        DISABLED = "DISABLED"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=255, blank=True)
    event_types = models.JSONField(default=list, help_text='Type names, or ["*"] for all.')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    disabled_reason = models.CharField(max_length=255, blank=True)
    lease_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A delivery to this endpoint is on its way until then: one at a time, "
        "so the receiver gets them in order.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.url} ({self.status})"

    def subscribes_to(self, type_name: str) -> bool:
        return "*" in self.event_types or type_name in self.event_types


class WebhookSecret(models.Model):
    """An endpoint's signing secret, encrypted at rest (core.crypto). The current
    one has no expiry; a rolled one stays valid beside it until expires_at."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="secrets")
    ciphertext = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint"],
                condition=Q(expires_at__isnull=True),
                name="events_one_current_secret",
            ),
        ]

    def __str__(self):
        return (
            f"secret of {self.endpoint_id} ({'current' if self.expires_at is None else 'rolled'})"
        )


class WebhookDelivery(TimestampedModel):
    """One event on its way to one endpoint, with every attempt. A delivery that
    failed its last attempt is dead-lettered (FAILED) until someone redelivers it."""

    class Status(models.TextChoices):
        PENDING = "PENDING"
        SUCCEEDED = "SUCCEEDED"
        FAILED = "FAILED", "Failed (dead-lettered)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries"
    )
    # The event's, copied: the endpoint's queue is read in this order.
    sequence = models.PositiveBigIntegerField(null=True, blank=True)
    event_type = models.CharField(max_length=64)
    test_body = models.JSONField(
        null=True, blank=True, help_text='"Send test event": the body sent, outside the stream.'
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    failed_attempts = models.PositiveIntegerField(
        default=0, help_text="Since it was queued (or redelivered)."
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(event__isnull=False),
                name="events_one_delivery_per_endpoint_event",
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "status", "sequence"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self):
        return f"{self.event_type} #{self.sequence or '-'} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery: what the receiver answered, and how fast."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The first 1 KB.")
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="events_attempt_number"),
        ]

    def __str__(self):
        return f"{self.delivery_id} #{self.number} {self.response_status or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300
