from wallets.models import Wallet
from wallets.services import wallet_deposit, wallet_get_or_create


def funded_wallet(user, amount: int, currency: str = "USD") -> Wallet:
    """A user wallet holding `amount`, funded through the ledger like a real deposit."""
    if amount:
        wallet_deposit(user=user, amount=amount, currency=currency)
    return wallet_get_or_create(user=user, currency=currency)
