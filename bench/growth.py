"""The growth scenario's data: `python -m bench.growth SCALE WORK_DIR`.

At SCALE 1: 100,000 products, 1,000,000 orders (100,000 of them the first bench
buyer's, the user whose pages are measured) and 5,000,000 ledger entries (that
buyer's wallet gets 100,000 more), written with bulk SQL in a few minutes.
Everything stays consistent: stock sold matches the paid orders and every
wallet's entries chain and sum to its balance, so `verify_ledger` still holds.
"""

import json
import sys
import time
from pathlib import Path

import django

PRODUCTS = 100_000
ORDERS = 1_000_000
HEAVY_ORDERS = 100_000
HEAVY_MOVEMENTS = 100_000
PAIRS = 2_400  # wallet pairs with TRANSFERS_PER_PAIR transfers each: ~4.8 M entries
TRANSFERS_PER_PAIR = 1_000
BATCH = 20_000


def _users(count: int):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User

    unusable = make_password(None)
    verified = timezone.now()  # seeded accounts sell and withdraw at once
    users = []
    for start in range(0, count, BATCH):
        users += User.objects.bulk_create(
            User(
                email=f"growth{i}@bench.example",
                role="CUSTOMER",
                password=unusable,
                email_verified_at=verified,
            )
            for i in range(start, min(count, start + BATCH))
        )
    return users


def _products(count: int, merchant) -> None:
    from catalog.models import Product, Stock

    for start in range(0, count, BATCH):
        batch = [
            Product(
                merchant=merchant,
                name=f"Growth product {i}",
                slug=f"growth-product-{i}",
                description="Seeded for the growth scenario.",
                price=100 + i % 900,
                currency="USD",
            )
            for i in range(start, min(count, start + BATCH))
        ]
        Product.objects.bulk_create(batch)
        Stock.objects.bulk_create(Stock(product=p, available=1_000_000) for p in batch)


ORDERS_SQL = """
CREATE TEMP TABLE growth_products AS
  SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id, merchant_id, name, price
  FROM catalog_product WHERE slug LIKE 'growth-product-%%';
CREATE TEMP TABLE growth_buyers AS
  SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id FROM accounts_user
  WHERE email LIKE 'growth%%@bench.example';
WITH numbered AS (
  SELECT i, gen_random_uuid() AS order_id,
         CASE WHEN i <= %(heavy)s THEN %(heavy_user)s::uuid ELSE b.id END AS buyer_id,
         p.id AS product_id, p.merchant_id, p.name, p.price
  FROM generate_series(1, %(orders)s) AS i
  JOIN growth_products p ON p.n = i %% (SELECT count(*) FROM growth_products)
  JOIN growth_buyers b ON b.n = i %% (SELECT count(*) FROM growth_buyers)
), orders AS (
  INSERT INTO orders_order (id, serial, buyer_id, status, payment_method, total, currency,
                            refunded_amount, reserved_until, created_at, updated_at)
  SELECT order_id, nextval('orders_order_serial_seq'), buyer_id, 'FULFILLED', 'WALLET', price, 'USD', 0, NULL,
         now() - make_interval(secs => %(orders)s - i), now() - make_interval(secs => %(orders)s - i)
  FROM numbered
)
INSERT INTO orders_orderitem (order_id, product_id, merchant_id, name, unit_price, quantity)
SELECT order_id, product_id, merchant_id, name, price, 1 FROM numbered;
UPDATE catalog_stock s SET sold = s.sold + c.units
FROM (SELECT i.product_id, count(*) AS units FROM orders_orderitem i
      JOIN growth_products p ON p.id = i.product_id GROUP BY i.product_id) c
WHERE s.product_id = c.product_id;
"""

# Transfers in the order their entries must chain: each row says who pays whom
# and each side's balance before. Entries are inserted sorted by (n, side), so
# their ids follow that order inside every wallet.
LEDGER_SQL = """
CREATE TEMP TABLE growth_moves (n bigint, id uuid, source uuid, target uuid,
                                amount bigint, source_before bigint, target_before bigint);
INSERT INTO growth_moves
  SELECT j, gen_random_uuid(), %(heavy_wallet)s::uuid, %(sink_wallet)s::uuid, 1,
         %(heavy_balance)s - (j - 1), %(sink_balance)s + (j - 1)
  FROM generate_series(1, %(heavy_moves)s) AS j;
INSERT INTO growth_moves
  SELECT %(heavy_moves)s + k + 1, gen_random_uuid(), %(funding_wallet)s::uuid, a.id, %(per_pair)s,
         %(funding_balance)s - k * %(per_pair)s, 0
  FROM generate_series(0, %(pairs)s - 1) AS k
  JOIN growth_pair_wallets a ON a.pair = k AND a.side = 'a';
INSERT INTO growth_moves
  SELECT %(heavy_moves)s + %(pairs)s + 1 + k * %(per_pair)s + j, gen_random_uuid(), a.id, b.id, 1,
         %(per_pair)s - (j - 1), j - 1
  FROM generate_series(0, %(pairs)s - 1) AS k
  CROSS JOIN generate_series(1, %(per_pair)s) AS j
  JOIN growth_pair_wallets a ON a.pair = k AND a.side = 'a'
  JOIN growth_pair_wallets b ON b.pair = k AND b.side = 'b';
INSERT INTO wallets_transfer (id, kind, amount, currency, reference, description, created_at)
  SELECT id, CASE WHEN source = %(funding_wallet)s::uuid THEN 'ADJUSTMENT' ELSE 'PURCHASE' END,
         amount, 'USD', 'growth', '', now()
  FROM growth_moves ORDER BY n;
INSERT INTO wallets_ledgerentry (transfer_id, wallet_id, amount, balance_before, balance_after, created_at)
  SELECT id, wallet, delta, before, before + delta, now()
  FROM growth_moves
  CROSS JOIN LATERAL (VALUES (0, source, -amount, source_before),
                             (1, target, amount, target_before)) AS side(s, wallet, delta, before)
  ORDER BY n, s;
UPDATE wallets_wallet w SET balance = w.balance + d.total
FROM (SELECT wallet, sum(delta) AS total FROM (
        SELECT source AS wallet, -amount AS delta FROM growth_moves
        UNION ALL
        SELECT target, amount FROM growth_moves) moves
      GROUP BY wallet) d
WHERE w.id = d.wallet;
"""


def seed(scale: float, work: Path) -> dict:
    from django.db import connection, transaction

    from accounts.models import User
    from wallets.models import Wallet
    from wallets.services import system_wallet

    started = time.monotonic()
    products, orders = int(PRODUCTS * scale), int(ORDERS * scale)
    heavy_orders, heavy_moves = int(HEAVY_ORDERS * scale), int(HEAVY_MOVEMENTS * scale)
    pairs = max(1, int(PAIRS * scale))
    token_owner = User.objects.get(email="buyer0@bench.example")
    merchant = User.objects.get(email="merchant0@bench.example")
    users = _users(2 * pairs + 1000)
    _products(products, merchant)
    with connection.cursor() as cursor:
        cursor.execute(
            ORDERS_SQL,
            {
                "heavy": heavy_orders,
                "heavy_user": str(token_owner.pk),
                "orders": orders,
            },
        )
    heavy = Wallet.objects.get(owner=token_owner, currency="USD")
    sink = Wallet.objects.create(kind=Wallet.Kind.USER, owner=users[-1], currency="USD")
    funding = system_wallet(name=Wallet.System.ADJUSTMENTS, currency="USD")
    pair_wallets = Wallet.objects.bulk_create(
        Wallet(kind=Wallet.Kind.USER, owner=user, currency="USD") for user in users[: 2 * pairs]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE growth_pair_wallets (pair int, side text, id uuid) ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO growth_pair_wallets VALUES (%s, %s, %s)",
            [(i // 2, "ab"[i % 2], str(wallet.pk)) for i, wallet in enumerate(pair_wallets)],
        )
        cursor.execute(
            LEDGER_SQL,
            {
                "heavy_wallet": str(heavy.pk),
                "heavy_balance": heavy.balance,
                "heavy_moves": heavy_moves,
                "sink_wallet": str(sink.pk),
                "sink_balance": sink.balance,
                "funding_wallet": str(funding.pk),
                "funding_balance": funding.balance,
                "pairs": pairs,
                "per_pair": TRANSFERS_PER_PAIR,
            },
        )
    with connection.cursor() as cursor:
        # What autovacuum would have done to tables that grew over months: the
        # visibility map set (index-only scans) and fresh statistics.
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM wallets_ledgerentry")
        entries = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM orders_order")
        all_orders = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM catalog_product")
        all_products = cursor.fetchone()[0]
    return {
        "scale": scale,
        "seconds": round(time.monotonic() - started, 1),
        "orders": all_orders,
        "ledger_entries": entries,
        "products": all_products,
        "measured_user_orders": heavy_orders,
        "measured_user_movements": heavy_moves,
    }


if __name__ == "__main__":
    django.setup()
    print(json.dumps(seed(float(sys.argv[1]), Path(sys.argv[2]))))
