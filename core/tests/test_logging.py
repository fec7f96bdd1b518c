"""Which request charged this card, and which worker retried it: log lines name
the request; no secret ever appears in one."""

import json
import logging
import time
import uuid
from unittest import mock

import pytest
from celery import Celery

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD, client_for
from orders.tests.factories import place_order
from payments.models import Payment
from payments.tasks import process_payment_task
from payments.tests.worker import BROKER, start_worker, stop_worker
from wallets.tests.factories import funded_wallet


@pytest.mark.django_db
def test_every_answer_names_its_request_id_and_a_client_cannot_choose_it(client):
    answer = client.get("/healthz", HTTP_X_REQUEST_ID="chosen-by-the-client")

    assert answer["X-Request-ID"] != "chosen-by-the-client"
    assert uuid.UUID(answer["X-Request-ID"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_request_id_reaches_the_celery_task_and_its_gateway_call():
    queue = f"kassa-log-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue, LOG_FORMAT="json")
    sender = Celery(broker=BROKER, set_as_current=False)
    buyer = UserFactory()
    order = place_order(buyer, [(ProductFactory(price=800), 1)], method="CARD")

    def publish(args, countdown=None):
        sender.send_task(process_payment_task.name, args=args, queue=queue)

    try:
        with mock.patch.object(process_payment_task, "apply_async", publish):
            answer = client_for(buyer).post(
                f"/api/v1/orders/{order.pk}/pay",
                {"card_token": "tok_visa"},
                format="json",
                HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            )
        payment = Payment.objects.get(order=order)
        deadline = time.monotonic() + 60
        while payment.status not in Payment.FINAL and time.monotonic() < deadline:
            time.sleep(0.2)
            payment.refresh_from_db()
    finally:
        output = stop_worker(worker)

    request_id = answer["X-Request-ID"]
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    events = {
        line["event"].split()[0]: line for line in lines if line.get("request_id") == request_id
    }
    assert payment.status == "SUCCEEDED"
    assert {"task_started", "gateway_charge", "payment_step"} <= set(events), output[-3000:]
    assert events["gateway_charge"]["payment_id"] == str(payment.pk)
    assert events["gateway_charge"]["order_id"] == str(order.pk)


@pytest.mark.django_db
def test_no_password_token_or_jwt_reaches_a_log_line(caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(price=900)
    login = client_for(buyer).post(
        "/api/v1/auth/login", {"email": buyer.email, "password": PASSWORD}, format="json"
    )
    client_for(buyer).post(
        "/api/v1/auth/login", {"email": buyer.email, "password": "wrong-guess-123"}, format="json"
    )
    api = client_for(buyer)
    api.post(
        "/api/v1/orders",
        {"items": [{"product_id": str(product.pk), "quantity": 1}], "payment_method": "WALLET"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    order = place_order(buyer, [(product, 1)], method="CARD")
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            f"/api/v1/orders/{order.pk}/pay",
            {"card_token": "tok_visa"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )

    logged = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    assert Payment.objects.get(order=order).status == "SUCCEEDED"
    assert "gateway_charge" in caplog.text  # the logs were captured at all
    for secret in (PASSWORD, "wrong-guess-123", "tok_visa", login.json()["access"][:40], "eyJ"):
        assert secret not in logged, secret
