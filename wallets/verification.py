"""Proof that the books are right. Each check returns the violations it found.

The ledger's own checks are here; an app whose rows must agree with the ledger
(payments' refund holds) registers its check with register_check."""

from collections.abc import Callable

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, Lag

from wallets.models import LedgerEntry, Proceeds, Transfer, Wallet


def _unbalanced_transfers() -> list[str]:
    rows = (
        Transfer.objects.annotate(n=Count("entries"), total=Coalesce(Sum("entries__amount"), 0))
        .exclude(n=2, total=0)
        .values_list("pk", "n", "total")
    )
    return [f"transfer {pk}: {n} entries summing to {total}" for pk, n, total in rows]


def _one_sided_transfers() -> list[str]:
    rows = Transfer.objects.annotate(
        debits=Count("entries", filter=Q(entries__amount__lt=0))
    ).exclude(debits=1)
    return [f"transfer {t.pk}: {t.debits} debit entries" for t in rows]


def _balances_match_entries() -> list[str]:
    entry_sums = (
        LedgerEntry.objects.filter(wallet=OuterRef("pk"))
        .values("wallet")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    rows = (
        Wallet.objects.annotate(ledger=Coalesce(Subquery(entry_sums), Value(0)))
        .exclude(balance=F("ledger"))
        .values_list("pk", "balance", "ledger")
    )
    return [f"wallet {pk}: balance {b} but entries sum to {s}" for pk, b, s in rows]


def _currencies_sum_to_zero() -> list[str]:
    rows = Wallet.objects.values("currency").annotate(total=Sum("balance")).exclude(total=0)
    return [f"currency {r['currency']}: balances sum to {r['total']}" for r in rows]


def _no_negative_user_wallets() -> list[str]:
    rows = Wallet.objects.filter(kind=Wallet.Kind.USER, balance__lt=0)
    return [f"wallet {w.pk}: user wallet at {w.balance}" for w in rows]


def _entries_chain() -> list[str]:
    rows = (
        LedgerEntry.objects.annotate(
            previous_after=Window(
                Lag("balance_after", default=0),
                partition_by=[F("wallet_id")],
                order_by=F("id").asc(),
            )
        )
        .exclude(balance_before=F("previous_after"))
        .values_list("pk", "wallet_id", "balance_before", "previous_after")
    )
    return [
        f"entry {pk} on wallet {wallet}: starts at {before}, previous ended at {previous}"
        for pk, wallet, before, previous in rows
    ]


def _clearing_holds_exactly_the_pending_proceeds() -> list[str]:
    pending = dict(
        Proceeds.objects.filter(settled_at__isnull=True)
        .values("clearing")
        .annotate(total=Sum("amount"))
        .values_list("clearing", "total")
    )
    shards = Wallet.objects.filter(
        kind=Wallet.Kind.SYSTEM, system_name=Wallet.System.MERCHANT_CLEARING
    ).values_list("pk", "balance")
    return [
        f"clearing wallet {pk}: holds {balance} but its pending proceeds sum to "
        f"{pending.get(pk, 0)}"
        for pk, balance in shards
        if balance != pending.get(pk, 0)
    ]


def _each_settlement_paid_its_proceeds_once() -> list[str]:
    """What the settled proceeds of each settlement add up to is what left the
    clearing wallets under that settlement's reference: no sale posted twice."""
    settled = dict(
        Proceeds.objects.filter(settled_at__isnull=False)
        .values("settlement")
        .annotate(total=Sum("amount"))
        .values_list("settlement", "total")
    )
    paid = dict(
        LedgerEntry.objects.filter(
            wallet__system_name=Wallet.System.MERCHANT_CLEARING,
            amount__lt=0,
            transfer__kind__in=[Transfer.Kind.SETTLEMENT, Transfer.Kind.DEBT_REPAYMENT],
        )
        .values("transfer__reference")
        .annotate(total=Sum("amount"))
        .values_list("transfer__reference", "total")
    )
    return [
        f"{reference}: proceeds of {settled.get(reference, 0)} settled, "
        f"{-paid.get(reference, 0)} paid out of clearing"
        for reference in sorted(set(settled) | set(paid))
        if settled.get(reference, 0) != -paid.get(reference, 0)
    ]


def _no_debt_wallet_is_positive() -> list[str]:
    rows = Wallet.objects.filter(kind=Wallet.Kind.DEBT, balance__gt=0)
    return [f"wallet {w.pk}: debt wallet at {w.balance}" for w in rows]


CHECKS = {
    "every transfer has two entries summing to zero": _unbalanced_transfers,
    "every transfer has exactly one debit": _one_sided_transfers,
    "every wallet's balance equals the sum of its entries": _balances_match_entries,
    "per currency, all balances sum to zero": _currencies_sum_to_zero,
    "no user wallet is negative": _no_negative_user_wallets,
    "each wallet's entries chain before/after without gaps": _entries_chain,
    "each clearing wallet holds exactly its pending proceeds": (
        _clearing_holds_exactly_the_pending_proceeds
    ),
    "each settlement paid out exactly the proceeds it settled": (
        _each_settlement_paid_its_proceeds_once
    ),
    "no merchant's debt wallet is above zero": _no_debt_wallet_is_positive,
}


def register_check(name: str, check: Callable[[], list[str]]) -> None:
    """Add a check to every verify_ledger run (AppConfig.ready calls it)."""
    CHECKS[name] = check


def verify_ledger() -> dict[str, list[str]]:
    """Run every check; a check maps to [] when it holds."""
    return {name: check() for name, check in CHECKS.items()}


def ledger_violations() -> list[str]:
    return [problem for problems in verify_ledger().values() for problem in problems]
