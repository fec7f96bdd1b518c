"""A merchant's money as payment platforms keep it: sales pending in clearing,
settled into the merchant's wallet in batches, refunds from pending first."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import client_for, run_in_threads
from core.exceptions import ApplicationError
from orders.services import order_refund_to_wallet
from orders.tests.factories import place_order
from wallets.models import Proceeds, Transfer, Wallet
from wallets.selectors import wallet_balances
from wallets.services import wallet_withdraw
from wallets.services.proceeds import proceeds_settle_due
from wallets.tests.factories import funded_wallet, pending_of, settle_proceeds
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


def _balances(user):
    return wallet_balances(user=user, currency="USD")


def test_a_sale_is_pending_until_the_hold_is_over_then_available(settings):
    settings.MERCHANT_FUNDS_HOLD = timedelta(days=7)
    buyer, merchant = UserFactory(), MerchantFactory()
    funded_wallet(buyer, 10_000)
    place_order(buyer, [(ProductFactory(merchant=merchant, price=2500), 2)])

    assert proceeds_settle_due() == 0  # not due for a week
    pending = _balances(merchant)
    a_week_on = proceeds_settle_due(now=timezone.now() + timedelta(days=7, seconds=1))

    assert (pending.available, pending.pending) == (0, 5000)
    assert pending.next_settlement_at > timezone.now() + timedelta(days=6)
    assert a_week_on == 1
    assert (_balances(merchant).available, _balances(merchant).pending) == (5000, 0)
    assert ledger_violations() == []


def test_the_wallet_api_shows_available_pending_debt_and_the_next_settlement():
    buyer, merchant = UserFactory(), MerchantFactory()
    funded_wallet(buyer, 10_000)
    place_order(buyer, [(ProductFactory(merchant=merchant, price=1200), 1)])

    before = client_for(merchant).get("/api/v1/wallet").json()
    settle_proceeds()
    after = client_for(merchant).get("/api/v1/wallet").json()

    assert (before["available"], before["pending"], before["debt"]) == (0, 1200, 0)
    assert before["next_settlement_at"] is not None
    assert (after["available"], after["balance"], after["pending"]) == (1200, 1200, 0)
    assert after["next_settlement_at"] is None


def test_a_batch_updates_each_merchant_wallet_once_whatever_its_sales(settings):
    settings.MERCHANT_CLEARING_SHARDS = 4
    buyer, merchant = UserFactory(), MerchantFactory()
    funded_wallet(buyer, 100_000)
    products = [ProductFactory(merchant=merchant, price=100, stock=50) for _ in range(3)]
    for _ in range(12):
        place_order(buyer, [(product, 1) for product in products])
    wallet = Wallet.objects.get(owner=buyer)  # the merchant has no wallet until it settles
    assert not Wallet.objects.filter(owner=merchant, kind=Wallet.Kind.USER).exists()

    with CaptureQueriesContext(connection) as queries:
        settled = proceeds_settle_due()

    merchant_wallet = Wallet.objects.get(owner=merchant, kind=Wallet.Kind.USER)
    # A wallet's UPDATE rides in the statement that writes its ledger entries.
    updates = [
        update
        for q in queries.captured_queries
        for update in q["sql"].split('UPDATE "wallets_wallet"')[1:]
    ]
    assert settled == 12
    assert merchant_wallet.balance == 3600
    assert sum(merchant_wallet.pk.hex in update.split("WHERE")[1][:60] for update in updates) == 1
    assert wallet.pk != merchant_wallet.pk
    assert ledger_violations() == []


def test_a_thousand_sales_of_one_merchant_settle_in_batches_each_once(settings):
    settings.SETTLEMENT_BATCH_SIZE = 150
    merchant = MerchantFactory()
    buyers = [UserFactory() for _ in range(4)]
    for buyer in buyers:
        funded_wallet(buyer, 1_000_000)
    products = [ProductFactory(merchant=merchant, price=25, stock=10_000) for _ in range(25)]
    for n in range(1000):
        place_order(buyers[n % 4], [(products[n % 25], 1)])

    batches = []
    while batch := proceeds_settle_due():
        batches.append(batch)

    assert batches == [150] * 6 + [100]
    assert _balances(merchant).available == 25_000 and pending_of(merchant) == 0
    settlements = Transfer.objects.filter(kind=Transfer.Kind.SETTLEMENT)
    assert len({t.reference for t in settlements}) == 7
    assert ledger_violations() == []


def test_a_refund_takes_the_sales_pending_money_first_then_available():
    buyer, merchant = UserFactory(), MerchantFactory()
    funded_wallet(buyer, 10_000)
    earlier = place_order(buyer, [(ProductFactory(merchant=merchant, price=3000), 1)])
    settle_proceeds()
    order = place_order(buyer, [(ProductFactory(merchant=merchant, price=2000), 1)])
    assert (_balances(merchant).available, pending_of(merchant)) == (3000, 2000)

    order_refund_to_wallet(order=order, actor=merchant)

    assert (_balances(merchant).available, pending_of(merchant)) == (3000, 0)
    assert _balances(buyer).available == 7000  # 10,000 less the earlier sale
    assert Proceeds.objects.get(reference=f"order:{order.pk}").settlement.startswith("early:")
    assert earlier.total == 3000
    assert ledger_violations() == []


def test_withdrawals_come_from_available_only():
    buyer, merchant = UserFactory(), MerchantFactory()
    funded_wallet(buyer, 10_000)
    place_order(buyer, [(ProductFactory(merchant=merchant, price=5000), 1)])

    with pytest.raises(ApplicationError) as refused:
        wallet_withdraw(user=merchant, amount=5000, currency="USD")
    settle_proceeds()
    entry = wallet_withdraw(user=merchant, amount=5000, currency="USD")

    assert refused.value.code == "insufficient_funds"
    assert entry.balance_after == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_refunds_racing_the_settlement_batch_never_pay_a_sale_twice():
    buyer, merchant = UserFactory(), MerchantFactory()
    funded_wallet(buyer, 100_000)
    product = ProductFactory(merchant=merchant, price=1000, stock=100)
    orders = [place_order(buyer, [(product, 1)]) for _ in range(10)]

    def refund(order):
        return order_refund_to_wallet(order=order, actor=merchant)

    results = run_in_threads(
        lambda job, arg: job(arg),
        [(refund, order) for order in orders[:5]] + [(lambda _: proceeds_settle_due(), None)] * 3,
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    settle_proceeds()
    assert _balances(merchant).available == 5000  # the five sales not refunded, once each
    assert _balances(buyer).available == 95_000
    assert ledger_violations() == []
