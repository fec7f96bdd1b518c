"""Model plumbing shared by the apps."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AppendOnlyError(Exception):
    """An append-only record (ledger entry, stock movement, audit event) was to be changed."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only.")


class AppendOnlyModel(models.Model):
    """Rows are inserted once and never updated or deleted through the ORM.

    Corrections are new rows. queryset.update()/delete(), bulk_update() and a
    second save() all raise AppendOnlyError.
    """

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class IdempotencyKey(models.Model):
    """The outcome of one money-moving request, replayed when the key comes again.

    The unique (user, key) constraint, not a read-then-write, decides which of
    two concurrent requests runs.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The answer's data as the serializers made it (strings, numbers, lists);
    # DjangoJSONEncoder covers the odd UUID or date a view left unconverted.
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    locked_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_user_key"),
        ]

    def __str__(self):
        return f"{self.user_id}:{self.key} ({self.status})"


class Heartbeat(models.Model):
    """When a process last proved it was alive (the Celery worker, via beat). In
    the database, which every process shares whatever the cache is."""

    name = models.CharField(max_length=50, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.seen_at:%H:%M:%S}"
