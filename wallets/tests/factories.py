from wallets.models import Wallet
from wallets.selectors import wallet_balances
from wallets.services import wallet_deposit, wallet_get_or_create
from wallets.services.proceeds import proceeds_settle_due


def funded_wallet(user, amount: int, currency: str = "USD") -> Wallet:
    """A user wallet holding `amount`, funded through the ledger like a real deposit."""
    if amount:
        wallet_deposit(user=user, amount=amount, currency=currency)
    return wallet_get_or_create(user=user, currency=currency)


def settle_proceeds() -> int:
    """Every due sale settled into its merchant's wallet, as the settlement task
    does; returns how many proceeds it settled."""
    settled = 0
    while batch := proceeds_settle_due():
        settled += batch
    return settled


def pending_of(user, currency: str = "USD") -> int:
    return wallet_balances(user=user, currency=currency).pending
