"""The sequence under load, on real PostgreSQL: threads with their own
connections checking out at once, and a relay held back while they commit."""

import threading
import time

import pytest
from django.db import connections, transaction

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.models import StockMovement
from catalog.tests.factories import ProductFactory
from conftest import run_in_threads
from events.locks import relay_lock
from events.models import Event
from events.services import events_relay
from orders.models import Order
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CHECKOUTS = 50


def test_fifty_parallel_checkouts_are_numbered_1_to_50_in_commit_order_and_none_waits_on_it():
    merchant = MerchantFactory()
    products = [ProductFactory(merchant=merchant, price=100 + n, stock=CHECKOUTS) for n in range(3)]
    buyers = [UserFactory() for _ in range(CHECKOUTS)]
    for buyer in buyers:
        funded_wallet(buyer, 10_000)
    results = []

    def checkouts():
        results.extend(
            run_in_threads(
                lambda buyer, product: place_order(buyer, [(product, 1)]),
                [(buyer, products[n % 3]) for n, buyer in enumerate(buyers)],
            )
        )

    # The relay is held back the whole time: a checkout that waited on the
    # event counter could not commit.
    with transaction.atomic():
        relay_lock()
        running = threading.Thread(target=checkouts)
        running.start()
        deadline = time.monotonic() + 60
        while Order.objects.filter(status=Order.Status.PAID).count() < CHECKOUTS:
            assert time.monotonic() < deadline, "checkouts did not commit while the relay waited"
            time.sleep(0.05)
        assert not Event.objects.filter(sequence__isnull=False).exists()
    running.join(timeout=120)
    connections.close_all()
    events_relay()

    assert all(isinstance(result, Order) for result in results), results
    numbered = list(Event.objects.filter(merchant=merchant).order_by("sequence"))
    assert [event.sequence for event in numbered] == list(range(1, CHECKOUTS + 1))
    # Commit order, where there is one to see: the sales of one product take
    # its stock row in turn, so the order their stock movements were written
    # in is the order they committed. Sales of different products share no row
    # (the merchant's money is pending in clearing shards): nothing orders
    # them, so nothing can see which committed first.
    written = {
        movement.reference: movement.pk
        for movement in StockMovement.objects.filter(reason=StockMovement.Reason.SALE)
    }
    for product in products:
        sales = [
            written[f"order:{event.data['order']['id']}"]
            for event in numbered
            if any(item["product_id"] == str(product.pk) for item in event.data["order"]["items"])
        ]
        assert len(sales) == CHECKOUTS // 3 + (products.index(product) < CHECKOUTS % 3)
        assert sales == sorted(sales)
    assert ledger_violations() == []


def test_relays_running_at_once_number_each_event_once():
    merchant = MerchantFactory()
    product = ProductFactory(merchant=merchant, stock=40)
    buyer = UserFactory()
    funded_wallet(buyer, 100_000)
    for _ in range(30):
        place_order(buyer, [(product, 1)])
    Event.objects.update(sequence=None, sequenced_at=None)

    counts = run_in_threads(lambda: events_relay(batch_size=4), [() for _ in range(6)])

    assert sum(counts) == 30, counts
    sequences = sorted(Event.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 31))
