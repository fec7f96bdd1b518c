"""The ledger's own moves: wallets found or made, locked in pk order, and
balanced transfers between them, each with its two entries."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.bulk import insert_together
from core.exceptions import ApplicationError
from core.money import format_money
from wallets.errors import WalletErrorCode
from wallets.locks import wallets_described_for_update, wallets_lock
from wallets.models import LedgerEntry, Transfer, Wallet


def wallet_get_or_create(*, user: User, currency: str) -> Wallet:
    return _get_or_create(kind=Wallet.Kind.USER, owner=user, currency=currency)


def wallet_get_or_create_many(*, users=(), user_ids=(), currency: str) -> dict:
    """{user pk: wallet} for several users, creating missing wallets in user-pk order.

    Inside a transaction an uncommitted new wallet holds its unique-index slot
    until commit; creating them in one global order means two checkouts that
    create the same wallets wait for each other instead of deadlocking.
    """
    wanted = {user.pk for user in users} | set(user_ids)
    # One read finds the wallets that exist (nearly always all of them); only a
    # missing one costs a get-or-create with its savepoint.
    found = _by_owner(Wallet.objects.all(), wanted, currency)
    return {
        pk: found.get(pk) or _get_or_create(kind=Wallet.Kind.USER, owner_id=pk, currency=currency)
        for pk in sorted(wanted)
    }


def wallets_lock_described(*, currency: str, wanted: list[dict]) -> list[Wallet]:
    """Lock the wallets these lookups describe ({"kind", "owner_id"} or
    {"kind", "system_name", "shard"}), in primary-key order, creating any that
    is missing; returns them in the order asked.

    One statement when they all exist (nearly always): the read that finds the
    wallets is the lock. A wallet created here is this transaction's own row,
    which nobody else can lock before it commits.
    """
    lookups = [
        {"shard": 0, **lookup} if lookup["kind"] == Wallet.Kind.SYSTEM else lookup
        for lookup in wanted
    ]
    locked = wallets_described_for_update(currency=currency, lookups=lookups)
    found = [_matching(locked, lookup) for lookup in lookups]
    if None in found:
        made = [
            wallet or _get_or_create(currency=currency, **lookup)
            for wallet, lookup in zip(found, lookups, strict=True)
        ]
        relocked = wallets_lock(made)
        found = [relocked[wallet.pk] for wallet in made]
    return found


def _matching(wallets: list[Wallet], lookup: dict) -> Wallet | None:
    return next(
        (w for w in wallets if all(getattr(w, name) == value for name, value in lookup.items())),
        None,
    )


def _by_owner(queryset, owner_ids: set, currency: str) -> dict:
    """{owner pk: wallet} of these users' wallets in this currency, as the queryset reads them."""
    wallets = queryset.filter(kind=Wallet.Kind.USER, owner_id__in=owner_ids, currency=currency)
    return {wallet.owner_id: wallet for wallet in wallets}


def debt_wallet_get_or_create(*, merchant_id, currency: str) -> Wallet:
    """The merchant's debt wallet, made when a dispute first needs it."""
    return _get_or_create(kind=Wallet.Kind.DEBT, owner_id=merchant_id, currency=currency)


def system_wallet(*, name: str, currency: str, shard: int = 0) -> Wallet:
    return _get_or_create(kind=Wallet.Kind.SYSTEM, system_name=name, currency=currency, shard=shard)


def _get_or_create(**lookup) -> Wallet:
    # get_or_create retries the read when a concurrent insert wins the unique
    # constraint; the savepoint keeps a surrounding transaction usable.
    try:
        with transaction.atomic():
            return Wallet.objects.get_or_create(**lookup)[0]
    except IntegrityError:
        return Wallet.objects.get(**lookup)


@transaction.atomic
def transfer(
    *,
    source: Wallet,
    target: Wallet,
    amount: int,
    kind: str,
    reference: str = "",
    description: str = "",
    created_by: User | None = None,
) -> Transfer:
    """Move `amount` minor units from source to target as one balanced transfer.

    Locks both wallets in pk order. Raises ApplicationError: insufficient_funds
    (409) when a user wallet would go below zero, currency_mismatch, or
    invalid_transfer; nothing is written then.
    """
    _check_transfer(source, target, amount)
    locked = wallets_lock([source, target])
    return transfer_locked(
        source=locked[source.pk],
        target=locked[target.pk],
        amount=amount,
        kind=kind,
        reference=reference,
        description=description,
        created_by=created_by,
    )


def _check_transfer(source: Wallet, target: Wallet, amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ApplicationError(
            "Amount must be a positive whole number.", code=WalletErrorCode.INVALID_TRANSFER
        )
    if source.pk == target.pk:
        raise ApplicationError(
            "Source and target are the same wallet.", code=WalletErrorCode.INVALID_TRANSFER
        )
    if source.currency != target.currency:
        raise ApplicationError(
            "Wallets hold different currencies.", code=WalletErrorCode.CURRENCY_MISMATCH
        )


def transfers_locked(
    *, moves: list[dict], created_by: User | None = None, with_rows: tuple = ()
) -> list[Transfer]:
    """Several transfers between wallets this transaction holds locked (see
    transfer_locked), written together: one INSERT for the transfers and their
    ledger entries, and one UPDATE per wallet, whatever their number.

    moves: [{"source", "target", "amount", "kind", "reference"?, "description"?}],
    applied in order. with_rows: (model, unsaved rows) batches of other tables
    that go into the same INSERT (a checkout's events: no statement of their own).
    """
    now = timezone.now()
    records, entries, touched = [], [], {}
    for move in moves:
        source, target, amount = move["source"], move["target"], move["amount"]
        _check_transfer(source, target, amount)
        if not source.may_go_negative and source.balance < amount:
            raise ApplicationError(
                f"Insufficient funds: {format_money(amount, source.currency)} needed, "
                f"{format_money(source.balance, source.currency)} available.",
                code=WalletErrorCode.INSUFFICIENT_FUNDS,
                status=409,
                extra={"balance": source.balance, "currency": source.currency},
            )
        record = Transfer(
            kind=move["kind"],
            amount=amount,
            currency=source.currency,
            reference=move.get("reference", ""),
            description=move.get("description", ""),
            created_by=created_by,
        )
        records.append(record)
        for wallet, delta in ((source, -amount), (target, amount)):
            entries.append(
                LedgerEntry(
                    transfer=record,
                    wallet=wallet,
                    amount=delta,
                    balance_before=wallet.balance,
                    balance_after=wallet.balance + delta,
                )
            )
            wallet.balance += delta
            wallet.updated_at = now
            touched[wallet.pk] = wallet
    insert_together(
        *with_rows,
        (Transfer, records),
        (LedgerEntry, entries),
        updating=(list(touched.values()), ["balance", "updated_at"]),
    )
    return records


def transfer_locked(
    *,
    source: Wallet,
    target: Wallet,
    amount: int,
    kind: str,
    reference: str = "",
    description: str = "",
    created_by: User | None = None,
) -> Transfer:
    """transfer() for a caller that already holds both wallet rows, locked by
    wallets_lock() in this transaction (it saves a second lock query
    on checkout's hot path). The instances must be the locked ones."""
    move = {"source": source, "target": target, "amount": amount, "kind": kind}
    move |= {"reference": reference, "description": description}
    return transfers_locked(moves=[move], created_by=created_by)[0]


def entry_of(record: Transfer, wallet: Wallet) -> LedgerEntry:
    return record.entries.select_related("transfer").get(wallet=wallet)
