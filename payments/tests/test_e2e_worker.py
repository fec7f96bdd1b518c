"""End to end: a real Celery worker process, a Redis broker and PostgreSQL."""

import time
import uuid
from unittest import mock

import pytest
from celery import Celery

from accounts.tests.factories import UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from orders.models import Order
from payments.models import Payment
from payments.services import payment_create_for_order
from payments.tasks import process_payment_task
from payments.tests.factories import card_order
from payments.tests.worker import start_worker, stop_worker
from wallets.verification import ledger_violations


@pytest.fixture
def worker_queue(broker):
    queue = f"kassa-e2e-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue, broker=broker, PAYMENT_RETRY_BASE_DELAY="0.2")
    yield queue
    print(stop_worker(worker))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_real_worker_pays_a_flaky_card_order_after_three_attempts(worker_queue, broker):
    sender = Celery(broker=broker, set_as_current=False)
    buyer = UserFactory()
    product = ProductFactory(price=1500, stock=3)
    order = card_order(buyer, product)

    def publish(args, countdown=None):
        sender.send_task(process_payment_task.name, args=args, queue=worker_queue)

    with mock.patch.object(process_payment_task, "apply_async", publish):
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
