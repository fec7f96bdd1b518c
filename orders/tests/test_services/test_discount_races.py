"""Discount codes raced on real PostgreSQL: threads with their own
connections, then the invariants."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from conftest import run_in_threads
from core.exceptions import ApplicationError
from orders.models import Discount, DiscountRedemption, Order
from orders.services import order_release_expired
from orders.tests.factories import make_discount, place_order
from wallets.models import Wallet
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# 100 checkouts on 25 connections, four each: the machine's PostgreSQL allows
# 100 connections in all, shared with the other test runs.
CONNECTIONS = 25


def _in_waves(call, args_list):
    chunks = [args_list[i::CONNECTIONS] for i in range(CONNECTIONS)]

    def run_chunk(chunk):
        results = []
        for args in chunk:
            try:
                results.append(call(*args))
            except ApplicationError as exc:
                results.append(exc)
        return results

    return [r for chunk in run_in_threads(run_chunk, [(c,) for c in chunks]) for r in chunk]


def test_a_hundred_checkouts_of_a_code_limited_to_ten_discount_exactly_ten():
    product = ProductFactory(stock=200, price=1000)
    make_discount(product.merchant, max_redemptions=10)
    buyers = [UserFactory() for _ in range(100)]
    for buyer in buyers:
        funded_wallet(buyer, 900)  # enough for the discounted price only

    results = _in_waves(
        lambda buyer, method: place_order(buyer, [(product, 1)], method=method, code="SAVE10"),
        [(b, "CARD" if i % 3 == 0 else "WALLET") for i, b in enumerate(buyers)],
    )

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(placed) == 10, results
    assert all(order.discount == 100 for order in placed)
    assert {(r.code, r.status) for r in refused} == {("discount_exhausted", 409)}
    assert len(refused) == 90
    assert Order.objects.count() == DiscountRedemption.objects.count() == 10
    assert Discount.objects.get().redeemed == 10
    stock = Stock.objects.get(pk=product.pk)
    assert stock.sold + stock.reserved == 10
    refused_wallets = Wallet.objects.filter(owner__in=[b for b in buyers]).exclude(
        owner__orders__isnull=False
    )
    assert {w.balance for w in refused_wallets} == {900}
    assert ledger_violations() == []


def test_one_customer_racing_a_once_per_customer_code_gets_one_discount():
    product = ProductFactory(stock=50, price=1000)
    make_discount(product.merchant, once_per_customer=True)
    buyer = UserFactory()
    funded_wallet(buyer, 100_000)

    results = run_in_threads(
        lambda: place_order(buyer, [(product, 1)], code="SAVE10"), [() for _ in range(10)]
    )

    placed = [r for r in results if isinstance(r, Order)]
    assert len(placed) == 1, results
    assert {(r.code, r.status) for r in results if r not in placed} == {("discount_exhausted", 409)}
    assert DiscountRedemption.objects.count() == 1
    assert Discount.objects.get().redeemed == 1
    assert ledger_violations() == []


def test_expiry_racing_checkouts_never_counts_past_the_limit():
    product = ProductFactory(stock=50, price=1000)
    make_discount(product.merchant, max_redemptions=3)
    holders = [UserFactory() for _ in range(3)]
    for holder in holders:
        place_order(holder, [(product, 1)], method="CARD", code="SAVE10")
    buyers = [UserFactory() for _ in range(6)]
    for buyer in buyers:
        funded_wallet(buyer, 10_000)
    later = timezone.now() + timedelta(days=1)

    results = run_in_threads(
        lambda job: (
            order_release_expired(now=later)
            if job is None
            else place_order(job, [(product, 1)], code="SAVE10")
        ),
        [(None,), *[(b,) for b in buyers]],
    )

    discount = Discount.objects.get()
    holding = DiscountRedemption.objects.exclude(state=DiscountRedemption.State.RELEASED)
    assert discount.redeemed == holding.count() <= 3
    assert results[0] == 3
    assert ledger_violations() == []
