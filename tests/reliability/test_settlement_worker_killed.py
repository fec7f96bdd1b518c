"""A Celery worker killed with SIGKILL in the middle of a settlement batch: the
batch is one transaction, so nothing of it stays, and the worker that takes the
task over settles every sale once."""

import signal
import uuid

import psycopg
import pytest
from celery import Celery
from django.db import connection

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from orders.tests.factories import place_order
from payments.tests.worker import current_database_url, start_worker, stop_worker, wait_until
from wallets.models import Proceeds, Transfer
from wallets.selectors import wallet_balances
from wallets.tasks import settle_merchant_proceeds_task
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations

# While the test holds this advisory lock, a trigger makes the worker wait in
# the middle of its batch: its proceeds are marked settled, its transfer not yet
# written.
HOLD = 4242
TRIGGER = f"""
CREATE OR REPLACE FUNCTION kassa_test_hold() RETURNS trigger AS $$
BEGIN PERFORM pg_advisory_xact_lock_shared({HOLD}); RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER kassa_test_hold BEFORE INSERT ON wallets_transfer
FOR EACH STATEMENT EXECUTE FUNCTION kassa_test_hold();
"""


def _waiting_on_the_hold() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'"
            " AND datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_every_sale_to_be_settled_once(broker):
    merchant = MerchantFactory()
    buyers = [UserFactory() for _ in range(4)]
    for buyer in buyers:
        funded_wallet(buyer, 1_000_000)
    products = [ProductFactory(merchant=merchant, price=10, stock=10_000) for _ in range(20)]
    for n in range(1000):
        place_order(buyers[n % 4], [(products[n % 20], 1)])
    queue = f"kassa-settle-{uuid.uuid4().hex[:8]}"
    sender = Celery(broker=broker, set_as_current=False)
    settings = {"SETTLEMENT_BATCH_SIZE": "300", "CELERY_VISIBILITY_TIMEOUT": "2"}
    settings |= {"CELERY_UNACKED_RESTORE_INTERVAL": "1"}
    holder = psycopg.connect(current_database_url(), autocommit=True)
    workers = []
    try:
        holder.execute(TRIGGER)
        holder.execute("SELECT pg_advisory_lock(%s)", [HOLD])
        sender.send_task(settle_merchant_proceeds_task.name, queue=queue)
        workers.append(start_worker(queue, broker=broker, **settings))
        wait_until(lambda: _waiting_on_the_hold() > 0, what="the worker to stop mid-batch")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        # Nothing of the killed batch was committed.
        assert Proceeds.objects.filter(settled_at__isnull=False).count() == 0
        # The killed worker's server process notices it is gone only once its
        # wait ends: unlock first, then the trigger can be dropped.
        holder.execute("SELECT pg_advisory_unlock(%s)", [HOLD])
        holder.execute("DROP TRIGGER kassa_test_hold ON wallets_transfer")

        workers.append(start_worker(queue, broker=broker, **settings))
        wait_until(
            lambda: not Proceeds.objects.filter(settled_at__isnull=True).exists(),
            timeout=90,
            what="the task taken over by the new worker",
        )
    finally:
        holder.execute("DROP TRIGGER IF EXISTS kassa_test_hold ON wallets_transfer")
        holder.close()
        for worker in workers:
            stop_worker(worker)

    balances = wallet_balances(user=merchant, currency="USD")
    assert (balances.available, balances.pending) == (10_000, 0)
    settlements = Transfer.objects.filter(kind=Transfer.Kind.SETTLEMENT)
    assert sum(t.amount for t in settlements) == 10_000
    assert len({t.reference for t in settlements}) == 4  # batches of 300: 300, 300, 300, 100
    assert ledger_violations() == []
