"""A Celery worker killed with SIGKILL right after the gateway charged the card:
the task is redelivered to a new worker and the card is not charged again."""

import signal
import time
import uuid
from unittest import mock

import psycopg
import pytest
from celery import Celery
from django.db import connection

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from orders.models import Order
from payments.gateways import new_payments_through
from payments.models import Payment
from payments.services import payment_create_for_order
from payments.tasks import process_payment_task
from payments.tests.factories import card_order
from payments.tests.stripe_fake import FakeStripe
from payments.tests.worker import current_database_url, start_worker, stop_worker, wait_until
from wallets.tests.factories import pending_of
from wallets.verification import ledger_violations


def _start_worker(queue: str, fake: FakeStripe, broker_url: str):
    # Redis redelivers an unacknowledged task only after its visibility timeout
    # (an hour by default, shortened here); RabbitMQ does as soon as the dead
    # worker's connection closes, so it needs no such setting.
    return start_worker(
        queue,
        broker=broker_url,
        CELERY_VISIBILITY_TIMEOUT="2",
        CELERY_UNACKED_RESTORE_INTERVAL="1",
        PAYMENT_GATEWAY="stripe",
        STRIPE_API_BASE=fake.url,
        STRIPE_SECRET_KEY="sk_test_fake",
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_the_charge_does_not_charge_twice(broker):
    fake = FakeStripe().start()
    queue = f"kassa-kill-{uuid.uuid4().hex[:8]}"
    sender = Celery(broker=broker, set_as_current=False)
    buyer = UserFactory()
    product = ProductFactory(price=2000, stock=3)
    order = card_order(buyer, product)
    workers = []
    # Sent below, by hand, to a worker whose gateway is Stripe (the fake): the
    # payment is made for that gateway, which charges and refunds it.
    with mock.patch.object(process_payment_task, "apply_async"), new_payments_through("stripe"):
        payment = payment_create_for_order(order=order, payer=buyer, card_token="tok_visa")
    # Hold the order row, so the worker charges the card and then waits in
    # phase 3, where it is killed with the charge made and nothing recorded.
    blocker = psycopg.connect(current_database_url())
    try:
        try:
            blocker.execute("BEGIN")
            blocker.execute("SELECT 1 FROM orders_order WHERE id = %s FOR UPDATE", [order.pk])
            sender.send_task(process_payment_task.name, args=[str(payment.pk)], queue=queue)
            workers.append(_start_worker(queue, fake, broker))
            wait_until(lambda: len(fake.intents) == 1, what="the first charge")
            wait_until(lambda: _lock_waiters() > 0, what="the worker to block in phase 3")
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=10)
        finally:
            blocker.rollback()
            blocker.close()

        workers.append(_start_worker(queue, fake, broker))
        restarted = time.monotonic()
        wait_until(
            lambda: Payment.objects.get(pk=payment.pk).status in Payment.FINAL,
            timeout=90,
            what="the redelivered task",
        )
        redelivered_in = time.monotonic() - restarted
    finally:
        # Every worker started, even when a wait above timed out.
        for worker in workers:
            stop_worker(worker)
        fake.stop()

    payment.refresh_from_db()
    order.refresh_from_db()
    assert redelivered_in < 30  # seconds, not a visibility timeout of an hour
    assert payment.status == "SUCCEEDED"
    assert order.status == Order.Status.PAID
    assert len(fake.intents) == 1
    charges = [key for path, key in fake.requests if path == "/v1/payment_intents"]
    assert len(charges) == 2 and set(charges) == {payment.gateway_idempotency_key}
    attempts = list(payment.attempts.order_by("number"))
    assert [a.finished_at is not None for a in attempts] == [False, True]
    assert pending_of(product.merchant) == 2000  # owed once
    assert ledger_violations() == []


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND datname = current_database()"
        )
        return cursor.fetchone()[0]
