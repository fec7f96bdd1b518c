"""End to end with a real Celery worker process: it charges a card order, its
relay numbers the event and its delivery task POSTs it to the merchant's
receiver, all on their own after the request."""

import time
import uuid
from unittest import mock

import pytest
from celery import Celery

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from events import signing
from events.tests.helpers import endpoint_for
from payments.services import payment_create_for_order
from payments.tasks import process_payment_task
from payments.tests.factories import card_order
from payments.tests.worker import start_worker, stop_worker


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_card_order_paid_by_the_worker_reaches_the_receiver_signed(broker, receiver, settings):
    queue = f"kassa-e2e-events-{uuid.uuid4().hex[:8]}"
    worker = start_worker(
        queue,
        broker=broker,
        # The worker's own tasks (the relay, the delivery) stay on its queue,
        # and it decrypts the endpoint's secret with the tests' key.
        CELERY_TASK_DEFAULT_QUEUE=queue,
        KASSA_ENCRYPTION_KEY=settings.KASSA_ENCRYPTION_KEYS[0],
    )
    merchant = MerchantFactory()
    _, secret = endpoint_for(merchant, receiver)
    buyer = UserFactory()
    order = card_order(buyer, ProductFactory(merchant=merchant, price=1500))
    sender = Celery(broker=broker, set_as_current=False)

    def publish(args, countdown=None):
        sender.send_task(process_payment_task.name, args=args, queue=queue)

    try:
        with mock.patch.object(process_payment_task, "apply_async", publish):
            payment_create_for_order(order=order, payer=buyer, card_token="tok_visa")
        deadline = time.monotonic() + 60
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        output = stop_worker(worker)

    assert len(receiver.received) == 1, output[-3000:]
    (got,) = receiver.received
    assert got.json["type"] == "order.paid"
    assert got.json["data"]["order"]["id"] == str(order.pk)
    assert got.sequence == 1
    assert signing.signature_valid(
        header=got.headers["Kassa-Signature"], body=got.body, secret=secret
    )
