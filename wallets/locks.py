"""The only place wallet rows are locked, always in primary-key order, so two
transfers in opposite directions between the same wallets cannot deadlock.

Global lock order for anything that moves money and stock (followed by every
service): wallets → proceeds → stock → orders → checkouts → payments."""

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
