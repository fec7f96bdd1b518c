"""Webhook deliveries against real receivers on 127.0.0.1: retries with backoff,
dead letters and "Redeliver", 410, timeouts, redirects, order, secrets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import client_for
from events import signing
from events.models import WebhookDelivery, WebhookEndpoint
from events.services import (
    webhook_deliveries_resume,
    webhook_endpoint_create,
    webhook_endpoint_drain,
    webhook_endpoint_roll_secret,
)
from events.tests.helpers import endpoint_for
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db
D = WebhookDelivery.Status


@pytest.fixture
def sell(django_capture_on_commit_callbacks):
    """sell(merchant): a wallet sale of one of their products, every task run."""

    def sell(merchant):
        product = ProductFactory(merchant=merchant, price=1000, stock=10)
        buyer = UserFactory()
        funded_wallet(buyer, 10_000)
        with django_capture_on_commit_callbacks(execute=True):
            return place_order(buyer, [(product, 1)])

    return sell


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


def _statuses(delivery) -> list:
    return [attempt.response_status for attempt in delivery.attempts.all()]


def test_a_receiver_failing_three_times_then_answering_gets_the_event_acknowledged_once(
    make_receiver, sell
):
    receiver = make_receiver([500, 500, 500])
    merchant = MerchantFactory()
    endpoint_for(merchant, receiver)

    sell(merchant)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == D.SUCCEEDED
    assert _statuses(delivery) == [500, 500, 500, 200]
    assert len(receiver.received) == 4
    assert len({request.json["id"] for request in receiver.received}) == 1
    log = client_for(merchant).get("/api/v1/webhook-deliveries").json()["results"]
    assert [(d["status"], len(d["attempts"])) for d in log] == [("SUCCEEDED", 4)]


def test_a_receiver_that_always_fails_is_dead_lettered_and_redeliver_sends_it_again(
    make_receiver, sell, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_RETRIES = 2
    receiver = make_receiver([503, 503, 503])
    merchant = MerchantFactory()
    endpoint_for(merchant, receiver)

    sell(merchant)
    dead = WebhookDelivery.objects.get()
    sell(merchant)  # the queue went on past the dead letter

    assert dead.status == D.FAILED
    assert _statuses(dead) == [503, 503, 503]
    api = client_for(merchant)
    assert [
        d["id"] for d in api.get("/api/v1/webhook-deliveries?status=FAILED").json()["results"]
    ] == [str(dead.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/api/v1/webhook-deliveries/{dead.pk}/redeliver")
    dead.refresh_from_db()
    assert answer.status_code == 202
    assert dead.status == D.SUCCEEDED
    assert [r.sequence for r in receiver.received] == [1, 1, 1, 2, 1]
    again = api.post(f"/api/v1/webhook-deliveries/{dead.pk}/redeliver")
    assert (again.status_code, again.json()["code"]) == (409, "already_delivered")


def test_redeliver_while_the_delivery_waits_changes_nothing(make_receiver, sell, settings):
    settings.WEBHOOK_MAX_RETRIES = 0
    receiver = make_receiver([500])
    merchant = MerchantFactory()
    endpoint, _ = endpoint_for(merchant, receiver)
    sell(merchant)
    dead = WebhookDelivery.objects.get()
    endpoint.lease_until = timezone.now() + timedelta(minutes=1)  # a delivery is on its way
    endpoint.save()
    api = client_for(merchant)

    first = api.post(f"/api/v1/webhook-deliveries/{dead.pk}/redeliver")
    second = api.post(f"/api/v1/webhook-deliveries/{dead.pk}/redeliver")

    assert first.status_code == second.status_code == 202
    assert first.json()["status"] == second.json()["status"] == "PENDING"
    assert len(receiver.received) == 1


def test_410_disables_the_endpoint_and_nothing_more_is_sent_to_it(make_receiver, sell):
    receiver = make_receiver([410])
    merchant = MerchantFactory()
    endpoint, _ = endpoint_for(merchant, receiver)

    sell(merchant)
    sell(merchant)

    endpoint.refresh_from_db()
    assert endpoint.status == WebhookEndpoint.Status.DISABLED
    assert "410" in endpoint.disabled_reason
    assert WebhookDelivery.objects.get().status == D.FAILED
    assert len(receiver.received) == 1


def test_retries_back_off_exponentially_without_anyone_sleeping(
    make_receiver, sell, settings, run_tasks
):
    settings.WEBHOOK_RETRY_BASE_DELAY = 60
    receiver = make_receiver([500, 500])
    merchant = MerchantFactory()
    endpoint_for(merchant, receiver)
    sell(merchant)
    delivery = WebhookDelivery.objects.get()
    waits = [delivery.next_attempt_at - delivery.attempts.last().started_at]

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    run_tasks(webhook_deliveries_resume)
    delivery.refresh_from_db()
    waits.append(delivery.next_attempt_at - delivery.attempts.last().started_at)

    assert [round(wait.total_seconds() / 10) * 10 for wait in waits] == [60, 120]
    assert (delivery.status, delivery.failed_attempts) == (D.PENDING, 2)


def test_a_receiver_that_does_not_answer_in_time_counts_as_failed(make_receiver, sell, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    settings.WEBHOOK_MAX_RETRIES = 0
    receiver = make_receiver(delay=1.5)
    merchant = MerchantFactory()
    endpoint_for(merchant, receiver)

    sell(merchant)

    attempt = WebhookDelivery.objects.get().attempts.get()
    assert attempt.response_status is None
    assert attempt.error == "no answer within 0.3 s"
    assert attempt.duration_ms < 1200


def test_a_receiver_that_refuses_the_connection_is_tried_again(sell, settings):
    settings.WEBHOOK_MAX_RETRIES = 1
    merchant = MerchantFactory()
    # Port 9 (discard) on this machine: nothing listens, the connection is refused.
    webhook_endpoint_create(merchant=merchant, url="http://127.0.0.1:9/hooks", event_types=["*"])

    sell(merchant)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == D.FAILED
    assert [a.error.split(":")[0] for a in delivery.attempts.all()] == [
        "ConnectionRefusedError",
        "ConnectionRefusedError",
    ]


def test_redirects_are_not_followed(make_receiver, sell, settings):
    settings.WEBHOOK_MAX_RETRIES = 0
    elsewhere = make_receiver()
    receiver = make_receiver([302], headers={"Location": elsewhere.url})
    merchant = MerchantFactory()
    endpoint_for(merchant, receiver)

    sell(merchant)

    assert _statuses(WebhookDelivery.objects.get()) == [302]
    assert elsewhere.received == []


def test_each_attempt_keeps_the_first_kilobyte_of_the_answer(make_receiver, sell):
    receiver = make_receiver(body=b"x" * 5000)
    merchant = MerchantFactory()
    endpoint_for(merchant, receiver)

    sell(merchant)

    attempt = WebhookDelivery.objects.get().attempts.get()
    assert attempt.response_body == "x" * 1024
    assert attempt.duration_ms >= 0


def test_a_later_event_waits_for_the_one_before_it_so_the_receiver_gets_them_in_order(
    make_receiver, sell, settings, run_tasks
):
    settings.WEBHOOK_RETRY_BASE_DELAY = 600  # the first failure waits, for the beat task
    receiver = make_receiver([500])
    merchant = MerchantFactory()
    endpoint_for(merchant, receiver)
    sell(merchant)
    sell(merchant)
    assert [r.sequence for r in receiver.received] == [1]

    WebhookDelivery.objects.filter(status=D.PENDING).update(next_attempt_at=timezone.now())
    run_tasks(webhook_deliveries_resume)

    assert [r.sequence for r in receiver.received] == [1, 1, 2]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {D.SUCCEEDED}


def test_one_delivery_at_a_time_per_endpoint(receiver, sell, run_tasks):
    merchant = MerchantFactory()
    endpoint, _ = endpoint_for(merchant, receiver)
    # Another worker is sending this endpoint's previous delivery.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        lease_until=timezone.now() + timedelta(seconds=30)
    )

    sell(merchant)
    waiting = WebhookDelivery.objects.get()
    assert (waiting.status, receiver.received) == (D.PENDING, [])

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(lease_until=None)  # it is done
    assert run_tasks(webhook_endpoint_drain, endpoint_id=endpoint.pk) == 1
    assert [r.sequence for r in receiver.received] == [1]


def test_a_rolled_secret_signs_beside_the_new_one_until_its_grace_ends(receiver, sell):
    merchant = MerchantFactory()
    endpoint, old = endpoint_for(merchant, receiver)
    new = webhook_endpoint_roll_secret(endpoint=endpoint)

    sell(merchant)
    endpoint.secrets.exclude(expires_at=None).update(expires_at=timezone.now())
    sell(merchant)

    during, after = receiver.received
    assert during.headers["Kassa-Signature"].count("v1=") == 2
    for secret in (old, new):
        assert signing.signature_valid(
            header=during.headers["Kassa-Signature"], body=during.body, secret=secret
        )
    assert after.headers["Kassa-Signature"].count("v1=") == 1
    assert signing.signature_valid(
        header=after.headers["Kassa-Signature"], body=after.body, secret=new
    )
    assert not signing.signature_valid(
        header=after.headers["Kassa-Signature"], body=after.body, secret=old
    )


def test_a_test_event_is_signed_and_stays_out_of_the_stream(
    receiver, django_capture_on_commit_callbacks
):
    merchant = MerchantFactory()
    endpoint, secret = endpoint_for(merchant, receiver)
    api = client_for(merchant)

    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/test")

    (got,) = receiver.received
    assert answer.status_code == 202
    assert got.json["type"] == "webhook.test"
    assert got.sequence is None
    assert signing.signature_valid(
        header=got.headers["Kassa-Signature"], body=got.body, secret=secret
    )
    assert WebhookDelivery.objects.get().status == D.SUCCEEDED
    assert api.get("/api/v1/events").json()["results"] == []
