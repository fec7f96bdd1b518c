from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from wallets.models import LedgerEntry, Proceeds, Wallet


@dataclass(frozen=True)
class Balances:
    """A user's money in one currency, as a payment platform shows a seller's:
    available (withdrawable), pending (sold, not yet settled), debt (owed for a
    dispute, repaid from the next settlements) and when the next pending
    proceeds settle."""

    currency: str
    available: int
    pending: int
    debt: int
    next_settlement_at: datetime | None

    @property
    def settling_now(self) -> bool:
        """Pending proceeds are due: the settlement task moves them within seconds."""
        return self.next_settlement_at is not None and self.next_settlement_at <= timezone.now()


def wallet_balances(*, user: User, currency: str) -> Balances:
    by_kind = dict(
        Wallet.objects.filter(
            owner=user, currency=currency, kind__in=[Wallet.Kind.USER, Wallet.Kind.DEBT]
        ).values_list("kind", "balance")
    )
    pending = Proceeds.objects.filter(
        merchant=user, currency=currency, settled_at__isnull=True
    ).aggregate(amount=Sum("amount"), next_at=Min("available_at"))
    return Balances(
        currency=currency,
        available=by_kind.get(Wallet.Kind.USER, 0),
        pending=pending["amount"] or 0,
        debt=-by_kind.get(Wallet.Kind.DEBT, 0),
        next_settlement_at=pending["next_at"],
    )


def wallet_transaction_list(*, user: User, filters: dict | None = None) -> QuerySet[LedgerEntry]:
    """The user's side of every transfer touching their wallets, newest first."""
    filters = filters or {}
    # The wallet ids first: with them PostgreSQL walks the (wallet, -id) index
    # for a page, instead of joining every entry of the user's wallets.
    wallets = list(
        Wallet.objects.filter(owner=user, kind=Wallet.Kind.USER).values_list("pk", flat=True)
    )
    queryset = LedgerEntry.objects.filter(wallet_id__in=wallets).select_related(
        "transfer", "wallet"
    )
    if currency := filters.get("currency"):
        queryset = queryset.filter(wallet__currency=currency)
    if kind := filters.get("kind"):
        queryset = queryset.filter(transfer__kind=kind)
    if created_after := filters.get("created_after"):
        queryset = queryset.filter(created_at__gte=created_after)
    if created_before := filters.get("created_before"):
        queryset = queryset.filter(created_at__lt=created_before)
    return queryset.order_by("-id")


def wallet_transaction_for_reference(*, user: User, reference: str) -> LedgerEntry:
    return wallet_transaction_list(user=user).filter(transfer__reference=reference).get()
