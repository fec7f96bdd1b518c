"""The only place wallet rows are locked, always in primary-key order, so two
transfers in opposite directions between the same wallets cannot deadlock.

Global lock order for anything that moves money and stock (followed by every
service): wallets → stock → orders → payments."""

from wallets.models import Wallet


def wallet_qs_for_update():
    return Wallet.objects.order_by("pk").select_for_update()
