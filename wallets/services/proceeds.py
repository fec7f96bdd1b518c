"""A merchant's money as payment platforms keep it: pending, then available.

A sale's money goes to one of MERCHANT_CLEARING_SHARDS clearing wallets, chosen
at random, and is owed to each merchant of the sale as a Proceeds row: pending.
So no row that every sale of a merchant (or every sale at all) must update
takes part in a checkout: the merchant's wallet is credited by the settlement
task, once per merchant per batch, when the proceeds are MERCHANT_FUNDS_HOLD
old: available. A refund or a dispute settles its sale's pending proceeds at
once and then takes from available; what a dispute finds missing becomes the
merchant's debt, repaid first from later settlements.

Lock order, as everywhere: wallets (the clearing shards among them) → proceeds
→ stock → orders. The settlement task reads the due proceeds, locks their
wallets, then takes the proceeds rows it can (SKIP LOCKED), so it never waits
on a row a refund holds while holding a wallet that refund waits for.
"""

import secrets
import uuid
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from wallets.locks import proceeds_qs_for_update, wallets_lock
from wallets.models import Proceeds, Transfer, Wallet
from wallets.services.ledger import (
    transfers_locked,
    wallet_get_or_create_many,
    wallets_lock_described,
)

CLEARING = Wallet.System.MERCHANT_CLEARING


def clearing_shard_pick() -> int:
    return secrets.randbelow(settings.MERCHANT_CLEARING_SHARDS)


def sale_wallets_lock(*, payer: dict, currency: str) -> tuple[Wallet, Wallet]:
    """(the payer's wallet, a clearing shard picked at random), locked in pk order
    in one statement. payer: {"owner_id": …} for a user, {"system_name": …} for a
    system wallet (card funding)."""
    kind = Wallet.Kind.USER if "owner_id" in payer else Wallet.Kind.SYSTEM
    shard = {"kind": Wallet.Kind.SYSTEM, "system_name": CLEARING, "shard": clearing_shard_pick()}
    source, clearing = wallets_lock_described(
        currency=currency, wanted=[{"kind": kind, **payer}, shard]
    )
    return source, clearing


def proceeds_credit_locked(
    *,
    payer: Wallet,
    clearing: Wallet,
    shares: dict,
    reference: str,
    description: str = "",
    created_by: User | None = None,
    with_rows=(),
) -> Transfer:
    """A sale: `payer` pays the sum of `shares` ({merchant pk: amount}) into the
    locked clearing shard, owed to each merchant as pending proceeds, written in
    the transfer's own INSERT (with the caller's `with_rows`: a checkout's
    events). Raises insufficient_funds (409) as any transfer."""
    now = timezone.now()
    available_at = now + settings.MERCHANT_FUNDS_HOLD
    rows = [
        Proceeds(
            merchant_id=merchant_id,
            clearing=clearing,
            currency=clearing.currency,
            amount=amount,
            reference=reference,
            created_at=now,
            available_at=available_at,
        )
        for merchant_id, amount in shares.items()
        if amount > 0
    ]
    move = {
        "source": payer,
        "target": clearing,
        "amount": sum(row.amount for row in rows),
        "kind": Transfer.Kind.PURCHASE,
        "reference": reference,
        "description": description,
    }
    batches = (*with_rows, (Proceeds, rows))
    return transfers_locked(moves=[move], created_by=created_by, with_rows=batches)[0]


def pending_clearing_wallets(*, reference: str) -> list[Wallet]:
    """The clearing shards that still hold this sale's money: lock them with the
    wallets a refund or a dispute moves, then call proceeds_settle_now_locked."""
    return list(
        Wallet.objects.filter(
            pk__in=Proceeds.objects.filter(reference=reference, settled_at__isnull=True).values(
                "clearing_id"
            )
        )
    )


def proceeds_settle_now_locked(*, reference: str, locked: dict) -> int:
    """Settle this sale's pending proceeds into their merchants' wallets at once,
    so that a refund or a dispute takes from pending first. `locked` ({pk:
    wallet}) holds the clearing shards (pending_clearing_wallets) and the
    merchants' wallets, locked by the caller. Returns the amount settled."""
    rows = list(proceeds_qs_for_update().filter(reference=reference, settled_at__isnull=True))
    if not rows:
        return 0
    merchant_wallets = _merchant_wallets_in(locked, rows)
    moves = _moves(rows, merchant_wallets, locked, debts={}, settlement=f"early:{reference}")
    _mark_settled(rows, f"early:{reference}")
    transfers_locked(moves=moves)
    return sum(row.amount for row in rows)


def _merchant_wallets_in(locked: dict, rows) -> dict:
    by_owner = {(w.owner_id, w.currency): w for w in locked.values() if w.kind == Wallet.Kind.USER}
    return {
        (row.merchant_id, row.currency): by_owner[row.merchant_id, row.currency] for row in rows
    }


def _moves(rows, merchant_wallets: dict, locked: dict, *, debts: dict, settlement: str) -> list:
    """One move per (clearing shard, merchant, destination): a merchant's debt
    (debts: {(merchant, currency): its locked debt wallet}) is repaid first."""
    owed: dict = defaultdict(int)
    for row in rows:
        owed[row.clearing_id, row.merchant_id, row.currency] += row.amount
    still_owed = {key: -debt.balance for key, debt in debts.items()}
    moves = []
    for (clearing_id, merchant_id, currency), amount in owed.items():
        key = (merchant_id, currency)
        repaid = min(amount, still_owed.get(key, 0))
        common = {"source": locked[clearing_id], "reference": settlement}
        if repaid:
            still_owed[key] -= repaid
            moves.append(
                {
                    **common,
                    "target": debts[key],
                    "amount": repaid,
                    "kind": Transfer.Kind.DEBT_REPAYMENT,
                }
            )
        if amount > repaid:
            moves.append(
                {
                    **common,
                    "target": merchant_wallets[key],
                    "amount": amount - repaid,
                    "kind": Transfer.Kind.SETTLEMENT,
                    "description": "Sales settled",
                }
            )
    return moves


def _mark_settled(rows, settlement: str) -> None:
    now = timezone.now()
    Proceeds.objects.filter(pk__in=[row.pk for row in rows]).update(
        settled_at=now, settlement=settlement
    )


@transaction.atomic
def proceeds_settle_due(*, now=None, batch_size: int | None = None) -> int:
    """One settlement batch: up to SETTLEMENT_BATCH_SIZE proceeds that are due,
    into their merchants' wallets (their debt first), one update per wallet.
    One transaction: a worker that dies in it leaves nothing half-settled, and
    the next run settles the same rows once. Returns how many it settled."""
    now = now or timezone.now()
    batch_size = batch_size or settings.SETTLEMENT_BATCH_SIZE
    candidates = list(
        Proceeds.objects.filter(settled_at__isnull=True, available_at__lte=now)
        .order_by("pk")
        .values_list("pk", "merchant_id", "clearing_id", "currency")[:batch_size]
    )
    if not candidates:
        return 0
    merchants_by_currency: dict = defaultdict(set)
    for _, merchant_id, _, currency in candidates:
        merchants_by_currency[currency].add(merchant_id)
    wallets = [Wallet(pk=clearing_id) for _, _, clearing_id, _ in candidates]
    for currency, merchant_ids in merchants_by_currency.items():
        wallets += wallet_get_or_create_many(user_ids=merchant_ids, currency=currency).values()
        wallets += Wallet.objects.filter(
            kind=Wallet.Kind.DEBT, owner_id__in=merchant_ids, currency=currency
        )
    locked = wallets_lock(wallets)
    rows = list(
        proceeds_qs_for_update(skip_locked=True).filter(
            pk__in=[pk for pk, *_ in candidates], settled_at__isnull=True
        )
    )
    if not rows:
        return 0
    debts = {
        (w.owner_id, w.currency): w
        for w in locked.values()
        if w.kind == Wallet.Kind.DEBT and w.balance < 0
    }
    settlement = f"settlement:{uuid.uuid4()}"
    moves = _moves(
        rows, _merchant_wallets_in(locked, rows), locked, debts=debts, settlement=settlement
    )
    _mark_settled(rows, settlement)
    transfers_locked(moves=moves)
    return len(rows)


def merchant_take_moves(
    *, available: Wallet, debt: Wallet, amount: int, target: Wallet, kind: str, reference: str
) -> tuple[list[dict], int]:
    """The moves that take `amount` from a merchant without their say (a dispute, a
    refund made at the gateway): their available balance first, and what is
    missing from their debt wallet, which the platform advances: the merchant's
    wallet never goes below zero. Both wallets are locked by the caller; call
    proceeds_settle_now_locked first so that pending comes before available.
    Returns (moves, the part taken as debt)."""
    from_available = min(available.balance, amount)
    moves = [
        {"source": source, "target": target, "amount": part, "kind": kind, "reference": reference}
        for source, part in ((available, from_available), (debt, amount - from_available))
        if part
    ]
    return moves, amount - from_available
