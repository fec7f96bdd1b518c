"""Every write to wallets. ledger: wallets and balanced transfers; money: the
owner's deposits, withdrawals and the limits on them; proceeds: sales held in
clearing until they settle into the merchant's wallet, and merchants' debt."""

from wallets.services.ledger import (
    debt_wallet_get_or_create,
    system_wallet,
    transfer,
    transfer_locked,
    transfers_locked,
    wallet_get_or_create,
    wallet_get_or_create_many,
)
from wallets.services.money import (
    deposit_amount_check,
    wallet_adjust,
    wallet_deposit,
    wallet_withdraw,
    withdrawal_amount_check,
)

__all__ = [
    "debt_wallet_get_or_create",
    "deposit_amount_check",
    "system_wallet",
    "transfer",
    "transfer_locked",
    "transfers_locked",
    "wallet_adjust",
    "wallet_deposit",
    "wallet_get_or_create",
    "wallet_get_or_create_many",
    "wallet_withdraw",
    "withdrawal_amount_check",
]
