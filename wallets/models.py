import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import AppendOnlyModel
from core.money import format_money


class Wallet(models.Model):
    """A balance in one currency. User wallets never go below zero; system
    wallets stand for the outside world (card networks, bank payouts) and for
    money in transit (clearing, holds), and may, so that every transfer still
    has two sides. A merchant's debt wallet is what the platform advanced for a
    dispute beyond the merchant's balance: at most zero, and -balance is owed."""

    class Kind(models.TextChoices):
        USER = "USER"
        SYSTEM = "SYSTEM"
        DEBT = "DEBT"

    class System(models.TextChoices):
        EXTERNAL_FUNDING = "external_funding", "External funding (deposits)"
        PAYOUTS = "payouts", "Payouts (withdrawals)"
        CARD_FUNDING = "card_funding", "Card funding (card payments)"
        ADJUSTMENTS = "adjustments", "Manual adjustments"
        REFUNDS_PENDING = "refunds_pending", "Card refunds waiting for the gateway"
        MERCHANT_CLEARING = "merchant_clearing", "Sales not yet settled to merchants"
        DISPUTES_HOLD = "disputes_hold", "Money held while a card dispute is open"

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
    # Clearing is spread over MERCHANT_CLEARING_SHARDS system wallets, so that no
    # single row takes part in every sale; every other wallet is shard 0.
    shard = models.PositiveSmallIntegerField(default=0)
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
                fields=["owner", "currency"],
                condition=Q(kind="DEBT"),
                name="wallets_wallet_one_debt_per_owner_currency",
            ),
            models.UniqueConstraint(
                fields=["system_name", "currency", "shard"],
                condition=Q(kind="SYSTEM"),
                name="wallets_wallet_one_per_system_currency_shard",
            ),
            models.CheckConstraint(
                condition=~Q(kind="USER") | Q(balance__gte=0),
                name="wallets_wallet_user_balance_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="DEBT") | Q(balance__lte=0),
                name="wallets_wallet_debt_never_positive",
            ),
            models.CheckConstraint(
                condition=(Q(kind__in=["USER", "DEBT"], owner__isnull=False, system_name=""))
                | (Q(kind="SYSTEM", owner__isnull=True) & ~Q(system_name="")),
                name="wallets_wallet_owner_matches_kind",
            ),
        ]

    def __str__(self):
        who = self.owner_id if self.kind != self.Kind.SYSTEM else self.system_name
        shard = f"#{self.shard}" if self.shard else ""
        return f"{self.kind.lower()} {who}{shard} {self.currency}"

    @property
    def is_system(self) -> bool:
        return self.kind == self.Kind.SYSTEM

    @property
    def may_go_negative(self) -> bool:
        return self.kind != self.Kind.USER


class Transfer(AppendOnlyModel):
    """One movement of money: exactly two ledger entries, summing to zero."""

    class Kind(models.TextChoices):
        DEPOSIT = "DEPOSIT"
        WITHDRAWAL = "WITHDRAWAL"
        PURCHASE = "PURCHASE"
        REFUND = "REFUND"
        REFUND_RELEASE = "REFUND_RELEASE", "Refund failed, hold released"
        ADJUSTMENT = "ADJUSTMENT"
        SETTLEMENT = "SETTLEMENT", "Sales settled to the merchant"
        DEBT_REPAYMENT = "DEBT_REPAYMENT", "Debt repaid from sales"
        DISPUTE = "DISPUTE", "Held for a card dispute"
        DISPUTE_RELEASE = "DISPUTE_RELEASE", "Dispute closed"

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
        return f"{self.kind} {format_money(self.amount, self.currency)}"


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


class Proceeds(models.Model):
    """One sale's money for one merchant, held in a clearing shard until it is
    settled into the merchant's wallet: MERCHANT_FUNDS_HOLD after the sale, by
    the settlement task, or at once when a refund or a dispute needs it. The
    unsettled proceeds of a shard add up to its balance (verify_ledger)."""

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proceeds"
    )
    clearing = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="proceeds")
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField(help_text="Minor units.")
    reference = models.CharField(max_length=100, help_text="The sale: order:<id>, payment:<id>.")
    created_at = models.DateTimeField(auto_now_add=True)
    available_at = models.DateTimeField(help_text="When it may settle.")
    settled_at = models.DateTimeField(null=True, blank=True)
    settlement = models.CharField(
        max_length=100, blank=True, help_text="The transfer reference that settled it."
    )

    class Meta:
        verbose_name_plural = "proceeds"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="wallets_proceeds_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(settled_at__isnull=True, settlement="")
                | Q(settled_at__isnull=False) & ~Q(settlement=""),
                name="wallets_proceeds_settled_with_its_settlement",
            ),
        ]
        indexes = [
            models.Index(
                fields=["available_at", "id"],
                condition=Q(settled_at__isnull=True),
                name="wallets_proceeds_due",
            ),
            models.Index(
                fields=["merchant", "currency"],
                condition=Q(settled_at__isnull=True),
                name="wallets_proceeds_pending",
            ),
            models.Index(fields=["reference"], name="wallets_proceeds_reference"),
        ]

    def __str__(self):
        state = "settled" if self.settled_at else "pending"
        return f"{format_money(self.amount, self.currency)} for {self.merchant_id} ({state})"
