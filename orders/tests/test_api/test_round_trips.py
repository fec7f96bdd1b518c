"""Database round trips per request, counted: a regression in the checkout's
statement budget fails here rather than in the benchmark (issue "lean checkout")."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import client_for
from events.tasks import relay_events_task
from orders.tasks import send_due_receipts_task
from orders.tests.factories import make_discount, place_order
from wallets.models import Wallet
from wallets.services import system_wallet
from wallets.tests.factories import funded_wallet

# Real transactions: BEGIN, COMMIT and any SAVEPOINT are counted as they happen,
# on PostgreSQL, whose statements are the budget.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def _checkout(client, products, method, key, **extra):
    return client.post(
        "/api/v1/orders",
        {
            "items": [{"product_id": str(p.pk), "quantity": 1} for p in products],
            "payment_method": method,
            **extra,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def _statements(client, products, method, **extra):
    with CaptureQueriesContext(connection) as queries:
        answer = _checkout(client, products, method, f"count-{method}-{len(products)}", **extra)
    assert answer.status_code == 201, answer.json()
    return [query["sql"] for query in queries.captured_queries]


@pytest.fixture(autouse=True)
def _receipts_left_to_the_worker(monkeypatch):
    """The receipt is a worker's job after the commit; Celery's eager mode would
    send it inside the request and count its reads as the checkout's."""
    monkeypatch.setattr(send_due_receipts_task, "apply_async", lambda *args, **kwargs: None)


@pytest.fixture(autouse=True)
def relay_sent(monkeypatch):
    """The relay numbers a checkout's events in a Celery worker once it has
    committed; Celery is eager here and would run it inside the request, so
    sending it is recorded instead."""
    sent = []
    monkeypatch.setattr(relay_events_task, "apply_async", lambda *args, **kw: sent.append(args))
    return sent


@pytest.fixture
def shop():
    merchant = MerchantFactory()
    products = [ProductFactory(merchant=merchant, stock=50) for _ in range(3)]
    buyer = UserFactory()
    funded_wallet(buyer, 100_000)
    funded_wallet(merchant, 0)
    for shard in range(settings.MERCHANT_CLEARING_SHARDS):  # made by the first sales of a shop
        system_wallet(name=Wallet.System.MERCHANT_CLEARING, currency="USD", shard=shard)
    return client_for(buyer), products


def test_a_one_line_wallet_checkout_takes_9_round_trips_and_no_savepoint(shop, relay_sent):
    """9: the user, BEGIN, the products, one INSERT for the order, its lines
    and its audit trail, the wallets' lock, one statement for the transfer,
    its ledger entries and the wallets' balances (core/bulk.py), the key's
    answer, the stock with its movement and the merchant's order.paid event,
    COMMIT."""
    client, products = shop

    statements = _statements(client, products[:1], "WALLET")

    assert len(statements) <= 9, "\n".join(s[:100] for s in statements)
    assert not [s for s in statements if "SAVEPOINT" in s]
    assert [s for s in statements if s in ("BEGIN", "COMMIT")] == ["BEGIN", "COMMIT"]
    assert [s for s in statements if '"events_event"' in s and "WITH" in s]
    assert len(relay_sent) == 1


def test_a_checkout_never_waits_on_an_event_counter(shop):
    """The sequence is numbered by the relay after the commit: no checkout takes
    its lock or writes a sequence, so two checkouts never queue on a counter."""
    client, products = shop

    statements = _statements(client, products[:1], "WALLET")

    assert not [s for s in statements if "pg_advisory" in s or 'UPDATE "events_event"' in s]


def test_a_wallet_checkout_neither_locks_nor_updates_the_merchants_wallet(shop):
    """The merchant's money is pending in a clearing shard picked at random: no
    row that every sale of the merchant, or every sale, must update."""
    client, products = shop
    merchant_wallet = Wallet.objects.get(owner=products[0].merchant)

    statements = _statements(client, products[:1], "WALLET")

    touching_wallets = [s for s in statements if '"wallets_wallet"' in s]
    assert not [s for s in statements if merchant_wallet.pk.hex in s.replace("-", "")]
    # The buyer's and one shard's, in the statement that writes the transfer.
    assert sum(s.count('UPDATE "wallets_wallet"') for s in touching_wallets) == 2
    assert len([s for s in touching_wallets if "FOR NO KEY UPDATE" in s]) == 1


def _takes_stock(statement: str) -> bool:
    return statement.startswith(
        ('UPDATE "catalog_stock" ', 'WITH "taken" AS (UPDATE "catalog_stock" ')
    )


def _touches_stock(statement: str) -> bool:
    return '"catalog_stock"' in statement


@pytest.mark.parametrize("method", ["WALLET", "CARD"])
def test_the_stock_row_is_held_only_by_the_last_statement_before_commit(shop, method):
    """The stock row every sale of a product must update is locked by one
    conditional UPDATE (its movement and the merchant's events in the same
    statement), after the order, the wallets, the codes and the key's answer:
    nothing but the COMMIT runs while it is held."""
    client, products = shop

    statements = _statements(client, products[:1], method)

    assert [s for s in statements if _touches_stock(s)] == [statements[-2]]
    assert _takes_stock(statements[-2]), statements[-2]
    assert statements[-1] == "COMMIT"
    assert statements[-3].startswith('INSERT INTO "core_idempotencykey"'), statements[-3]
    if method == "WALLET":
        assert '"events_event"' in statements[-2] and '"catalog_stockmovement"' in statements[-2]


def test_each_extra_product_of_the_same_merchant_costs_one_more_round_trip(shop):
    client, products = shop

    one = len(_statements(client, products[:1], "WALLET"))
    three = len(_statements(client, products, "WALLET"))

    assert three <= one + 2


def test_a_card_checkout_takes_at_most_11_round_trips(shop):
    client, products = shop

    statements = _statements(client, products[:1], "CARD")

    assert len(statements) <= 11, "\n".join(s[:100] for s in statements)
    assert not [s for s in statements if "SAVEPOINT" in s]


@pytest.mark.parametrize(("method", "budget"), [("WALLET", 15), ("CARD", 13)])
def test_a_discount_code_costs_two_round_trips_and_locks_its_row_last(shop, method, budget):
    """+2: the code's look-up (with the buyer's earlier use in it) and the
    counter's conditional UPDATE; the redemption rides in the order's INSERT.
    The UPDATE comes last, after the key's answer and the stock."""
    client, products = shop
    make_discount(products[0].merchant, code="ROUNDS", max_redemptions=5)

    statements = _statements(client, products[:1], method, discount_code="rounds")

    assert len(statements) <= budget, "\n".join(s[:100] for s in statements)
    assert not [s for s in statements if "SAVEPOINT" in s]
    assert statements[-4].startswith('INSERT INTO "core_idempotencykey"'), statements[-4]
    assert _takes_stock(statements[-3]), statements[-3]
    assert statements[-2].startswith('UPDATE "orders_discount"'), statements[-2]


def test_a_refused_checkout_is_recorded_in_one_statement_after_the_rollback(shop):
    client, products = shop
    poor = UserFactory()
    poor_client = client_for(poor)

    with CaptureQueriesContext(connection) as queries:
        refused = _checkout(poor_client, products[:1], "WALLET", "refused-once")
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    again = _checkout(poor_client, products[:1], "WALLET", "refused-once")

    assert refused.status_code == 409
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    # Django logs no ROLLBACK statement: the refusal's transaction is the first
    # BEGIN with no COMMIT before the next BEGIN, which records the refusal alone.
    second_begin = statements.index("BEGIN", statements.index("BEGIN") + 1)
    assert "COMMIT" not in statements[:second_begin]
    assert statements[second_begin:] == ["BEGIN", "INSERT", "COMMIT"]


def test_the_order_list_costs_the_same_for_one_order_or_twenty(shop):
    client, products = shop
    _checkout(client, products[:1], "WALLET", "first")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/orders")
    one_page = len(one.captured_queries)
    for n in range(19):
        _checkout(client, products[:1], "WALLET", f"more-{n}")
    with CaptureQueriesContext(connection) as twenty:
        answer = client.get("/api/v1/orders")

    assert len(answer.json()["results"]) == 20
    assert len(twenty.captured_queries) == one_page <= 3  # user, the page, its lines


def test_place_order_outside_a_request_still_works_in_its_own_transaction():
    product = ProductFactory(stock=5)
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)

    order = place_order(buyer, [(product, 2)])

    assert order.status == "PAID"
    assert [item.quantity for item in order.items.all()] == [2]


def test_a_flash_sale_checkout_takes_one_round_trip_more_and_locks_one_bucket_last(shop):
    client, products = shop
    flash = ProductFactory(merchant=products[0].merchant, stock=1000, stock_buckets=8)
    assert _checkout(client, [flash], "WALLET", "spreads-the-units").status_code == 201

    statements = _statements(client, [flash], "WALLET")

    assert len(statements) <= 10, "\n".join(s[:100] for s in statements)
    assert not [s for s in statements if '"catalog_stock"' in s]
    assert 'UPDATE "catalog_stockbucket"' in statements[-2]
    assert statements[-3] == "SAVEPOINT kassa_bucket_take"
