"""The only place wallet rows are locked, always in primary-key order, so two
transfers in opposite directions between the same wallets cannot deadlock.

Global lock order for anything that moves money and stock (followed by every
service): wallets → proceeds → stock → orders → checkouts → payments."""

import functools

from django.db import connection

from wallets.models import Proceeds, Wallet


def wallet_qs_for_update():
    # NO KEY: the ledger rows inserted under the lock reference the wallet, and
    # a plain FOR UPDATE would make their foreign-key checks wait on it.
    return Wallet.objects.order_by("pk").select_for_update(no_key=True)


def wallets_lock(wallets) -> dict:
    """Lock these wallets in pk order; returns {pk: the locked wallet}.

    Use the returned instances from then on: they carry the balance read under
    the lock, the ones passed in may be stale.
    """
    return {w.pk: w for w in wallet_qs_for_update().filter(pk__in={w.pk for w in wallets})}


def proceeds_qs_for_update(*, skip_locked: bool = False):
    return Proceeds.objects.order_by("pk").select_for_update(skip_locked=skip_locked)


def wallets_described_for_update(*, currency: str, lookups: list[dict]) -> list[Wallet]:
    """The wallets these lookups ({field: value}, the same fields in each
    call of a kind) describe, locked in pk order. A raw statement whose text is
    made once per shape of lookups: on a checkout's path, building a small
    query's SQL costs the ORM more than running it."""
    shape = tuple(tuple(lookup) for lookup in lookups)
    params = [currency]
    for lookup in lookups:
        params += [
            Wallet._meta.get_field(name).get_db_prep_value(value, connection)
            for name, value in lookup.items()
        ]
    return list(Wallet.objects.raw(_described_sql(shape, connection.vendor), params))


@functools.cache
def _described_sql(shape: tuple, vendor: str) -> str:
    quote = connection.ops.quote_name
    table = quote(Wallet._meta.db_table)
    columns = ", ".join(quote(field.column) for field in Wallet._meta.concrete_fields)
    matches = " OR ".join(
        "("
        + " AND ".join(f"{quote(Wallet._meta.get_field(name).column)} = %s" for name in names)
        + ")"
        for names in shape
    )
    lock = " FOR NO KEY UPDATE" if vendor == "postgresql" else ""
    return (
        f"SELECT {columns} FROM {table} WHERE {quote('currency')} = %s AND ({matches}) "  # noqa: S608
        f"ORDER BY {quote('id')}{lock}"
    )
