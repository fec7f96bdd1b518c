from django.db.models import QuerySet

from accounts.models import User
from wallets.models import LedgerEntry, Wallet


def wallet_transaction_list(*, user: User, filters: dict | None = None) -> QuerySet[LedgerEntry]:
    """The user's side of every transfer touching their wallets, newest first."""
    filters = filters or {}
    # The wallet ids first: with them PostgreSQL walks the (wallet, -id) index
    # for a page, instead of joining every entry of the user's wallets.
    wallets = list(Wallet.objects.filter(owner=user).values_list("pk", flat=True))
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
