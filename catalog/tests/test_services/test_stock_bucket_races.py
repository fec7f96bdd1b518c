"""A flash sale's buckets on real PostgreSQL: threads with their own
connections, then the product's counts, its movements and the books."""

import threading
import time

import pytest
from django.db import connections, transaction

from accounts.tests.factories import UserFactory
from catalog.models import Product, Stock, StockMovement
from catalog.tests.factories import ProductFactory
from conftest import run_in_threads
from core.exceptions import ApplicationError
from events.models import Event
from orders.models import Order
from orders.services import order_cancel
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _buyers(count):
    buyers = [UserFactory() for _ in range(count)]
    for buyer in buyers:
        funded_wallet(buyer, 1_000_000)
    return buyers


def _counts_and_movements(product):
    counts = tuple(Product.objects.get(pk=product.pk).stock_counts)
    rows = StockMovement.objects.filter(product=product)
    moved = tuple(
        sum(getattr(m, f"delta_{name}") for m in rows) for name in ("available", "reserved", "sold")
    )
    return counts, moved


def _keep_buying(buyer, items, method="WALLET"):
    """Buy until refused for want of stock; the orders placed."""
    placed = []
    while True:
        try:
            placed.append(place_order(buyer, items, method=method))
        except ApplicationError as refused:
            assert refused.code == "insufficient_stock"
            return placed


def test_sixteen_buyers_emptying_a_bucketed_product_buy_every_unit_once():
    product = ProductFactory(stock=60, stock_buckets=4)

    results = run_in_threads(
        lambda buyer: _keep_buying(buyer, [(product, 1)]), [(b,) for b in _buyers(16)]
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(len(r) for r in results) == 60
    counts, moved = _counts_and_movements(product)
    assert counts == moved == (0, 0, 60)
    sold_out = Event.objects.filter(type="product.sold_out", data__product__id=str(product.pk))
    assert sold_out.count() == 1
    assert ledger_violations() == []


def test_a_sale_from_a_bucket_does_not_wait_for_the_stock_row():
    product = ProductFactory(stock=40, stock_buckets=4)
    (buyer,) = _buyers(1)
    place_order(buyer, [(product, 1)])  # spreads the units: every bucket holds 9 or 10
    row_held, release = threading.Event(), threading.Event()

    def hold_the_stock_row():
        try:
            with transaction.atomic():
                Stock.objects.select_for_update().get(pk=product.pk)
                row_held.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_stock_row)
    holder.start()
    row_held.wait(timeout=5)
    try:
        started = time.monotonic()
        results = run_in_threads(lambda: place_order(buyer, [(product, 1)]), [()])
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join()

    assert isinstance(results[0], Order), results[0]
    assert waited < 2
    assert _counts_and_movements(product)[0] == (38, 0, 2)


def test_two_product_sales_and_cancels_racing_on_buckets_never_deadlock():
    first = ProductFactory(stock=40, stock_buckets=4)
    second = ProductFactory(stock=40, stock_buckets=4)
    buyers = _buyers(8)

    def buy_or_cancel(buyer, index):
        if index % 2:
            return _keep_buying(buyer, [(first, 1), (second, 1)])
        placed = []
        for _ in range(6):
            try:
                order = place_order(buyer, [(second, 1), (first, 2)], method="CARD")
            except ApplicationError as refused:  # the other buyers emptied it
                assert refused.code == "insufficient_stock"
                return placed
            placed.append(order_cancel(order=order, actor=buyer))
        return placed

    results = run_in_threads(buy_or_cancel, [(b, i) for i, b in enumerate(buyers)])

    assert not [r for r in results if isinstance(r, Exception)], results
    for product in (first, second):
        counts, moved = _counts_and_movements(product)
        assert counts == moved
        assert counts[1] == 0  # every reservation released
        assert counts[0] + counts[2] == 40
    assert ledger_violations() == []
