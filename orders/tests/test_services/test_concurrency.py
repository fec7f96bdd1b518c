"""Races on real PostgreSQL: threads with their own connections, then invariants."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import Product, ProductCode, Stock, StockMovement
from catalog.tests.factories import ProductFactory, code_product
from conftest import run_in_threads
from core.exceptions import ApplicationError
from orders.models import Order
from orders.services import order_mark_paid, order_release_expired
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _funded_buyers(count, amount=100_000):
    buyers = [UserFactory() for _ in range(count)]
    for buyer in buyers:
        funded_wallet(buyer, amount)
    return buyers


def test_twenty_five_buyers_racing_for_five_units_buy_exactly_five():
    product = ProductFactory(stock=5, price=1000)
    buyers = _funded_buyers(25)

    results = run_in_threads(
        lambda buyer: place_order(buyer, [(product, 1)]), [(b,) for b in buyers]
    )

    paid = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(paid) == 5, results
    assert len(refused) == 20
    assert {(r.code, r.status) for r in refused} == {("insufficient_stock", 409)}
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.reserved, stock.sold) == (0, 0, 5)
    assert Order.objects.filter(status=Order.Status.PAID).count() == 5
    assert ledger_violations() == []


def test_carts_with_the_same_products_in_opposite_orders_do_not_deadlock():
    first, second = ProductFactory(stock=100), ProductFactory(stock=100)
    buyers = _funded_buyers(10)
    carts = [
        (buyer, [(first, 1), (second, 1)] if i % 2 else [(second, 1), (first, 1)])
        for i, buyer in enumerate(buyers)
    ]

    results = run_in_threads(place_order, carts)

    assert all(isinstance(r, Order) for r in results), results
    assert Stock.objects.get(pk=first.pk).sold == Stock.objects.get(pk=second.pk).sold == 10
    assert ledger_violations() == []


def test_wallet_and_card_checkouts_mixed_never_oversell():
    product = ProductFactory(stock=6)
    buyers = _funded_buyers(16)

    results = run_in_threads(
        lambda buyer, method: place_order(buyer, [(product, 1)], method=method),
        [(b, "CARD" if i % 2 else "WALLET") for i, b in enumerate(buyers)],
    )

    succeeded = [r for r in results if isinstance(r, Order)]
    assert len(succeeded) == 6
    stock = Stock.objects.get(pk=product.pk)
    assert stock.available == 0
    assert stock.reserved + stock.sold == 6


def test_expiry_racing_mark_paid_has_exactly_one_winner_each_time():
    product = ProductFactory(stock=20, price=500)
    buyer = _funded_buyers(1)[0]
    orders = [place_order(buyer, [(product, 1)], method="CARD") for _ in range(8)]
    Order.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))

    for order in orders:
        run_in_threads(
            lambda action, o=order: action(o),
            [(lambda o: order_mark_paid(order=o),), (lambda o: order_release_expired(),)],
        )

    final = {o.status for o in Order.objects.all()}
    assert final <= {Order.Status.PAID, Order.Status.CANCELLED}
    stock = Stock.objects.get(pk=product.pk)
    paid = Order.objects.filter(status=Order.Status.PAID).count()
    cancelled = Order.objects.filter(status=Order.Status.CANCELLED).count()
    assert paid + cancelled == 8
    assert (stock.sold, stock.reserved, stock.available) == (paid, 0, 20 - paid)
    for order in Order.objects.all():
        last_events = [e.to_status for e in order.events.all()][2:]
        assert len(last_events) == 1, last_events  # one winner, one event
    assert ledger_violations() == []


def test_one_buyer_cannot_pass_the_reservation_cap_by_racing(settings):
    settings.MAX_OPEN_RESERVATIONS = 3
    product = ProductFactory(stock=100)
    buyer = UserFactory()

    results = run_in_threads(lambda: place_order(buyer, [(product, 1)], method="CARD"), [()] * 8)

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(placed) == 3, results
    assert {r.code for r in refused} == {"too_many_reservations"}
    assert Stock.objects.get(pk=product.pk).reserved == 3


def test_a_product_deleted_during_checkouts_is_never_sold_after_the_delete():
    from catalog.services import product_delete

    product = ProductFactory(stock=100)
    buyers = _funded_buyers(12)

    def buy(buyer):
        return place_order(buyer, [(product, 1)])

    results = run_in_threads(
        lambda who: product_delete(product=product) if who is None else buy(who),
        [(b,) for b in buyers[:6]] + [(None,)] + [(b,) for b in buyers[6:]],
    )

    product.refresh_from_db()
    sales = list(Order.objects.filter(items__product=product).values_list("created_at", flat=True))
    assert product.deleted_at is not None
    assert all(created <= product.deleted_at for created in sales), (sales, product.deleted_at)
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert {r.code for r in refused} <= {"product_unavailable"}
    assert ledger_violations() == []


def _wait_until_a_backend_waits_on_a_lock(deadline_seconds=20):
    deadline = time.monotonic() + deadline_seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the checkout never waited on the product's lock")


def _take_off_sale(product, how):
    from catalog.services import product_delete, product_update

    if how == "deleted":
        product_delete(product=product)
    elif how == "deactivated":
        product_update(product=product, data={"is_active": False})
    else:  # as the Django admin saves it: the product row alone
        Product.objects.filter(pk=product.pk).update(is_active=False)


@pytest.mark.parametrize("how", ["deleted", "deactivated", "switched off in the admin"])
def test_a_checkout_that_waited_on_a_product_taken_off_sale_is_refused(how):
    """The stock is taken in the checkout's last statement, which re-reads the
    product under a share lock: a checkout that queued behind the change sees
    the product as it is once the change commits, and sells nothing."""
    product = ProductFactory(stock=5)
    (buyer,) = _funded_buyers(1)
    changed, commit_it, outcome = threading.Event(), threading.Event(), {}

    def change():
        try:
            with transaction.atomic():
                _take_off_sale(Product.objects.get(pk=product.pk), how)
                changed.set()
                commit_it.wait(timeout=30)
        finally:
            connections.close_all()

    def checkout():
        try:
            outcome["order"] = place_order(buyer, [(product, 1)])
        except ApplicationError as exc:
            outcome["refusal"] = exc
        finally:
            connections.close_all()

    changing = threading.Thread(target=change)
    changing.start()
    assert changed.wait(timeout=30)
    buying = threading.Thread(target=checkout)
    buying.start()
    _wait_until_a_backend_waits_on_a_lock()
    commit_it.set()
    changing.join(timeout=30)
    buying.join(timeout=30)

    assert "order" not in outcome
    assert outcome["refusal"].code == "product_unavailable"
    assert Stock.objects.get(pk=product.pk).available == 5
    assert not Order.objects.exists()
    assert not StockMovement.objects.filter(reason=StockMovement.Reason.SALE).exists()


def test_buyers_racing_for_the_last_codes_get_each_code_once():
    """Codes are taken before the stock, skipping the ones another checkout
    holds: nobody waits on a code, no code is sold twice, and the stock count
    decides who is refused."""
    product = code_product(codes=[f"RACE-{n:04d}" for n in range(4)])
    buyers = _funded_buyers(12)

    results = run_in_threads(lambda b: place_order(b, [(product, 1)]), [(b,) for b in buyers])

    sold = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(sold) == 4 and len(refused) == 8, results
    assert {r.code for r in refused} == {"insufficient_stock"}
    codes = ProductCode.objects.filter(product=product, state=ProductCode.State.SOLD)
    assert sorted(codes.values_list("order_item__order", flat=True)) == sorted(o.pk for o in sold)
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.sold) == (0, 4)
    assert ledger_violations() == []
