"""A wallet's owner's own moves: deposits, withdrawals, staff corrections, and
the limits on them."""

from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.services import email_verified_check, two_factor_check
from core.exceptions import ApplicationError
from core.money import format_money
from wallets.errors import WalletErrorCode
from wallets.models import LedgerEntry, Transfer, Wallet
from wallets.services.ledger import entry_of, system_wallet, transfer, wallet_get_or_create


def _amount_refused(message: str) -> ApplicationError:
    return ApplicationError(
        message, code=WalletErrorCode.INVALID_AMOUNT, extra={"errors": {"amount": [message]}}
    )


def deposit_amount_check(*, amount: int, currency: str) -> None:
    """The most one deposit may bring in: MAXIMUM_DEPOSIT. invalid (400) past it.

    The card top-up checks it before charging; forms and serializers call it
    too, to show the message beside the field."""
    if amount > settings.MAXIMUM_DEPOSIT:
        raise _amount_refused(
            f"Deposits are limited to {format_money(settings.MAXIMUM_DEPOSIT, currency)}."
        )


def withdrawal_amount_check(*, amount: int, currency: str) -> None:
    """The least one withdrawal may take out: MINIMUM_WITHDRAWAL. invalid (400) below it."""
    if amount < settings.MINIMUM_WITHDRAWAL:
        raise _amount_refused(
            f"Withdrawals start at {format_money(settings.MINIMUM_WITHDRAWAL, currency)}."
        )


@transaction.atomic
def wallet_deposit(
    *,
    user: User,
    amount: int,
    currency: str,
    description: str = "",
    funding: str = Wallet.System.EXTERNAL_FUNDING,
    reference: str = "",
) -> LedgerEntry:
    """Credit the user's wallet from the outside world (`funding` names the system
    wallet the money arrives through). Returns the user's entry."""
    source = system_wallet(name=funding, currency=currency)
    wallet = wallet_get_or_create(user=user, currency=currency)
    record = transfer(
        source=source,
        target=wallet,
        amount=amount,
        kind=Transfer.Kind.DEPOSIT,
        reference=reference,
        description=description,
        created_by=user,
    )
    return entry_of(record, wallet)


@transaction.atomic
def wallet_withdraw(
    *,
    user: User,
    amount: int,
    currency: str,
    description: str = "",
    two_factor_verified: bool = False,
) -> LedgerEntry:
    """Pay out of the user's wallet (a merchant's available balance). Raises
    invalid (400) below MINIMUM_WITHDRAWAL, email_unverified (403) until the
    email is verified, otp_required (403) for an account with two-factor sign-in
    unless the caller gave its second factor (`two_factor_verified`),
    merchant_in_debt (409) while a dispute left the merchant owing, and
    insufficient_funds (409) past the balance."""
    email_verified_check(user=user)
    two_factor_check(user=user, verified=two_factor_verified)
    withdrawal_amount_check(amount=amount, currency=currency)
    if Wallet.objects.filter(
        kind=Wallet.Kind.DEBT, owner=user, currency=currency, balance__lt=0
    ).exists():
        raise ApplicationError(
            "A card dispute left you owing money: it is repaid from your next sales, "
            "and withdrawals wait until then.",
            code=WalletErrorCode.MERCHANT_IN_DEBT,
            status=409,
        )
    wallet = wallet_get_or_create(user=user, currency=currency)
    record = transfer(
        source=wallet,
        target=system_wallet(name=Wallet.System.PAYOUTS, currency=currency),
        amount=amount,
        kind=Transfer.Kind.WITHDRAWAL,
        description=description,
        created_by=user,
    )
    return entry_of(record, wallet)


@transaction.atomic
def wallet_adjust(*, wallet: Wallet, amount: int, reason: str, created_by: User) -> Transfer:
    """A correction by staff: a balanced ADJUSTMENT transfer, never an edited balance.

    A positive amount credits the wallet, a negative one debits it.
    """
    counterpart = system_wallet(name=Wallet.System.ADJUSTMENTS, currency=wallet.currency)
    source, target = (counterpart, wallet) if amount > 0 else (wallet, counterpart)
    return transfer(
        source=source,
        target=target,
        amount=abs(amount),
        kind=Transfer.Kind.ADJUSTMENT,
        description=reason,
        created_by=created_by,
    )
