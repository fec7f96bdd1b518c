"""End to end: a real Celery worker process, a Redis broker and PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

import pytest
from celery import Celery
from django.db import connection

from accounts.tests.factories import UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from orders.models import Order
from payments.models import Payment
from payments.services import payment_create_for_order
from payments.tasks import process_payment_task
from payments.tests.factories import card_order
from wallets.verification import ledger_violations

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("E2E_BROKER_URL", "redis://127.0.0.1:6379/14")


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue():
    queue = f"kassa-e2e-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER,
        "PAYMENT_RETRY_BASE_DELAY": "0.2",
    }
    worker = subprocess.Popen(  # noqa: S603 - our own worker, fixed argv
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=info",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield queue
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    print(output.decode(errors="replace")[-4000:])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_real_worker_pays_a_flaky_card_order_after_three_attempts(worker_queue):
    sender = Celery(broker=BROKER)
    buyer = UserFactory()
    product = ProductFactory(price=1500, stock=3)
    order = card_order(buyer, product)

    def publish(payment_id):
        sender.send_task(process_payment_task.name, args=[payment_id], queue=worker_queue)

    with mock.patch.object(process_payment_task, "delay", publish):
        payment = payment_create_for_order(order=order, payer=buyer, card_token="tok_flaky")

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        payment.refresh_from_db()
        if payment.status in Payment.FINAL:
            break
        time.sleep(0.2)

    order.refresh_from_db()
    assert payment.status == "SUCCEEDED"
    assert order.status == Order.Status.PAID
    assert [a.outcome for a in payment.attempts.all()] == [
        "transient_error",
        "transient_error",
        "succeeded",
    ]
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.reserved, stock.sold) == (2, 0, 1)
    assert ledger_violations() == []
