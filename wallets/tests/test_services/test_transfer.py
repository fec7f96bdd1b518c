import pytest
from django.core.management import call_command
from django.db import IntegrityError

from accounts.tests.factories import UserFactory
from conftest import run_in_threads
from core.exceptions import ApplicationError
from core.models import AppendOnlyError
from wallets.models import LedgerEntry, Transfer, Wallet
from wallets.services import transfer, wallet_adjust, wallet_get_or_create, wallet_withdraw
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations, verify_ledger


@pytest.mark.django_db
def test_transfer_writes_two_entries_that_sum_to_zero_with_balances():
    source = funded_wallet(UserFactory(), 1000)
    target = wallet_get_or_create(user=UserFactory(), currency="USD")

    record = transfer(source=source, target=target, amount=300, kind=Transfer.Kind.PURCHASE)

    debit, credit = sorted(record.entries.all(), key=lambda e: e.amount)
    assert (debit.amount, debit.balance_before, debit.balance_after) == (-300, 1000, 700)
    assert (credit.amount, credit.balance_before, credit.balance_after) == (300, 0, 300)
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.balance, target.balance) == (700, 300)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [0, -1, 1.5, True])
def test_transfer_refuses_non_positive_or_non_integer_amounts(amount):
    source = funded_wallet(UserFactory(), 1000)
    target = wallet_get_or_create(user=UserFactory(), currency="USD")

    with pytest.raises(ApplicationError) as refused:
        transfer(source=source, target=target, amount=amount, kind=Transfer.Kind.PURCHASE)

    assert refused.value.code == "invalid_transfer"


@pytest.mark.django_db
def test_transfer_refuses_mixed_currencies():
    source = funded_wallet(UserFactory(), 1000)
    target = wallet_get_or_create(user=UserFactory(), currency="EUR")

    with pytest.raises(ApplicationError) as refused:
        transfer(source=source, target=target, amount=1, kind=Transfer.Kind.PURCHASE)

    assert refused.value.code == "currency_mismatch"


@pytest.mark.django_db
def test_insufficient_funds_writes_nothing():
    source = funded_wallet(UserFactory(), 100)
    target = wallet_get_or_create(user=UserFactory(), currency="USD")
    entries_before = LedgerEntry.objects.count()

    with pytest.raises(ApplicationError) as refused:
        transfer(source=source, target=target, amount=101, kind=Transfer.Kind.PURCHASE)

    assert (refused.value.code, refused.value.status) == ("insufficient_funds", 409)
    assert LedgerEntry.objects.count() == entries_before
    source.refresh_from_db()
    assert source.balance == 100


@pytest.mark.django_db
def test_database_refuses_a_negative_user_wallet():
    wallet = funded_wallet(UserFactory(), 100)

    with pytest.raises(IntegrityError):
        Wallet.objects.filter(pk=wallet.pk).update(balance=-1)


@pytest.mark.django_db
def test_ledger_entries_and_transfers_are_append_only():
    wallet = funded_wallet(UserFactory(), 100)
    entry = wallet.entries.get()

    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(AppendOnlyError):
        Transfer.objects.all().delete()


@pytest.mark.django_db
def test_adjustment_is_a_balanced_transfer_with_a_reason():
    user = UserFactory()
    wallet = funded_wallet(user, 100)

    wallet_adjust(wallet=wallet, amount=-40, reason="duplicate deposit", created_by=user)
    wallet_adjust(wallet=wallet, amount=15, reason="goodwill", created_by=user)

    wallet.refresh_from_db()
    assert wallet.balance == 75
    kinds = list(Transfer.objects.filter(kind="ADJUSTMENT").values_list("description", flat=True))
    assert sorted(kinds) == ["duplicate deposit", "goodwill"]
    assert ledger_violations() == []


# --- verify_ledger ---------------------------------------------------------------


@pytest.mark.django_db
def test_verify_ledger_passes_on_a_clean_ledger():
    user = UserFactory()
    funded_wallet(user, 1000)
    wallet_withdraw(user=user, amount=300, currency="USD")

    assert all(problems == [] for problems in verify_ledger().values())
    call_command("verify_ledger")


@pytest.mark.django_db
def test_verify_ledger_fails_on_a_corrupted_balance(capsys):
    from django.core.management.base import CommandError

    wallet = funded_wallet(UserFactory(), 1000)
    Wallet.objects.filter(pk=wallet.pk).update(balance=999)

    report = verify_ledger()

    assert report["every wallet's balance equals the sum of its entries"]
    assert report["per currency, all balances sum to zero"]
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.django_db
def test_verify_ledger_finds_a_one_sided_transfer_and_a_broken_chain():
    wallet = funded_wallet(UserFactory(), 1000)
    lonely = Transfer.objects.create(kind="ADJUSTMENT", amount=5, currency="USD")
    LedgerEntry.objects.create(
        transfer=lonely, wallet=wallet, amount=5, balance_before=7, balance_after=12
    )

    report = verify_ledger()

    assert report["every transfer has two entries summing to zero"]
    assert report["each wallet's entries chain before/after without gaps"]


# --- concurrency (PostgreSQL) -------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_withdrawals_of_ten_from_fifty_five_succeed():
    user = UserFactory()
    funded_wallet(user, 5000)

    results = run_in_threads(
        lambda: wallet_withdraw(user=user, amount=1000, currency="USD"), [()] * 20
    )

    succeeded = [r for r in results if isinstance(r, LedgerEntry)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert (len(succeeded), len(refused)) == (5, 15)
    assert {e.code for e in refused} == {"insufficient_funds"}
    assert Wallet.objects.get(owner=user).balance == 0
    assert ledger_violations() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_opposite_transfers_in_parallel_do_not_deadlock():
    alice = funded_wallet(UserFactory(), 100_000)
    bob = funded_wallet(UserFactory(), 100_000)

    def move(source, target):
        return transfer(source=source, target=target, amount=10, kind=Transfer.Kind.ADJUSTMENT)

    results = run_in_threads(move, [(alice, bob), (bob, alice)] * 10)

    assert all(isinstance(r, Transfer) for r in results), results
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.balance == bob.balance == 100_000
    assert ledger_violations() == []
