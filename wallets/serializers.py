from datetime import datetime

from rest_framework import serializers

from wallets.models import LedgerEntry, Wallet


class WalletOutputSerializer(serializers.ModelSerializer):
    """The wallet with its owner's balances (wallets.selectors.Balances) in
    the serializer's context under "balances"."""

    balance = serializers.IntegerField(help_text="Available: what can be spent or withdrawn.")
    available = serializers.SerializerMethodField()
    pending = serializers.SerializerMethodField(
        help_text="Merchants: sold, not yet settled into the wallet (MERCHANT_FUNDS_HOLD)."
    )
    debt = serializers.SerializerMethodField(
        help_text="Merchants: owed after a card dispute; repaid first from the next settlements."
    )
    next_settlement_at = serializers.SerializerMethodField()

    class Meta:
        model = Wallet
        fields = [
            "id",
            "currency",
            "balance",
            "available",
            "pending",
            "debt",
            "next_settlement_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_available(self, wallet) -> int:
        return self.context["balances"].available

    def get_pending(self, wallet) -> int:
        return self.context["balances"].pending

    def get_debt(self, wallet) -> int:
        return self.context["balances"].debt

    def get_next_settlement_at(self, wallet) -> datetime | None:
        return self.context["balances"].next_settlement_at


class WalletTransactionOutputSerializer(serializers.ModelSerializer):
    """One ledger entry seen from its wallet's owner."""

    id = serializers.UUIDField(source="transfer.id", help_text="The transfer's id.")
    kind = serializers.CharField(source="transfer.kind")
    amount = serializers.SerializerMethodField(help_text="Always positive; see direction.")
    direction = serializers.SerializerMethodField()
    currency = serializers.CharField(source="wallet.currency")
    description = serializers.CharField(source="transfer.description")
    reference = serializers.CharField(source="transfer.reference")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "amount",
            "direction",
            "currency",
            "balance_before",
            "balance_after",
            "description",
            "reference",
            "created_at",
        ]
        read_only_fields = fields

    def get_amount(self, entry) -> int:
        return abs(entry.amount)

    def get_direction(self, entry) -> str:
        return "credit" if entry.amount > 0 else "debit"
