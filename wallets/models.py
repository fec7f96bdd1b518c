import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import AppendOnlyModel


class Wallet(models.Model):
    """A balance in one currency. User wallets never go below zero; system
    wallets stand for the outside world (card networks, bank payouts) and
    may, so that every transfer still has two sides."""

    class Kind(models.TextChoices):
        USER = "USER"
        SYSTEM = "SYSTEM"

    class System(models.TextChoices):
        EXTERNAL_FUNDING = "external_funding", "External funding (deposits)"
        PAYOUTS = "payouts", "Payouts (withdrawals)"
        CARD_FUNDING = "card_funding", "Card funding (card payments)"
        ADJUSTMENTS = "adjustments", "Manual adjustments"
        REFUNDS_PENDING = "refunds_pending", "Card refunds waiting for the gateway"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.USER)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wallets",
    )
    system_name = models.CharField(max_length=32, choices=System.choices, blank=True)
    currency = models.CharField(max_length=3)
    balance = models.BigIntegerField(default=0, help_text="Minor units (cents).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "currency"],
                condition=Q(kind="USER"),
                name="wallets_wallet_one_per_user_currency",
            ),
            models.UniqueConstraint(
                fields=["system_name", "currency"],
                condition=Q(kind="SYSTEM"),
                name="wallets_wallet_one_per_system_currency",
            ),
            models.CheckConstraint(
                condition=Q(kind="SYSTEM") | Q(balance__gte=0),
                name="wallets_wallet_user_balance_non_negative",
            ),
            models.CheckConstraint(
                condition=(Q(kind="USER", owner__isnull=False, system_name=""))
                | (Q(kind="SYSTEM", owner__isnull=True) & ~Q(system_name="")),
                name="wallets_wallet_owner_matches_kind",
            ),
        ]

    def __str__(self):
        who = self.owner_id if self.kind == self.Kind.USER else self.system_name
        return f"{who} {self.currency} {self.balance}"

    @property
    def is_system(self) -> bool:
        return self.kind == self.Kind.SYSTEM


class Transfer(AppendOnlyModel):
    """One movement of money: exactly two ledger entries, summing to zero."""

    class Kind(models.TextChoices):
        DEPOSIT = "DEPOSIT"
        WITHDRAWAL = "WITHDRAWAL"
        PURCHASE = "PURCHASE"
        REFUND = "REFUND"
        REFUND_RELEASE = "REFUND_RELEASE", "Refund failed, hold released"
        ADJUSTMENT = "ADJUSTMENT"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reference = models.CharField(
        max_length=100, blank=True, help_text="What caused it, e.g. order:<id>."
    )
    description = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="wallets_transfer_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["reference"])]

    def __str__(self):
        return f"{self.kind} {self.amount} {self.currency}"


class LedgerEntry(AppendOnlyModel):
    """One side of a transfer on one wallet: negative debits, positive credits."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()
    balance_before = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="wallets_entry_amount_non_zero"),
            models.CheckConstraint(
                condition=Q(balance_after=F("balance_before") + F("amount")),
                name="wallets_entry_balance_arithmetic",
            ),
            models.UniqueConstraint(
                fields=["transfer", "wallet"], name="wallets_entry_one_per_transfer_wallet"
            ),
        ]
        indexes = [models.Index(fields=["wallet", "-id"])]

    def __str__(self):
        return f"{self.amount:+d} on {self.wallet_id}"


class LedgerVerification(models.Model):
    """One run of verify_ledger by beat: what /metrics reports and the log alerts on."""

    ran_at = models.DateTimeField(db_index=True)
    violations = models.PositiveIntegerField()

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self):
        return f"{self.ran_at:%Y-%m-%d %H:%M} {self.violations} violations"
