from rest_framework import serializers

from wallets.models import LedgerEntry, Wallet


class WalletOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Wallet
        fields = ["id", "currency", "balance", "updated_at"]
        read_only_fields = fields


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
