from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import client_for, run_in_threads
from core.models import IdempotencyKey
from core.tasks import purge_expired_idempotency_keys_task
from wallets.models import Transfer, Wallet
from wallets.verification import ledger_violations

DEPOSIT = "/api/v1/wallet/deposit"
BODY = {"amount": 700, "currency": "USD", "card_token": "tok_visa"}


def _deposit(client, key, body=BODY):
    return client.post(DEPOSIT, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _deposits(user):
    return Transfer.objects.filter(kind="DEPOSIT", created_by=user).count()


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_answer_without_a_second_effect(
    customer, customer_client
):
    first = _deposit(customer_client, "key-1")
    second = _deposit(customer_client, "key-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert _deposits(customer) == 1
    assert Wallet.objects.get(owner=customer).balance == 700
    assert ledger_violations() == []


@pytest.mark.django_db
def test_replay_ignores_json_formatting(customer, customer_client):
    _deposit(customer_client, "key-1")
    replay = customer_client.post(
        DEPOSIT,
        '{"card_token":"tok_visa",   "currency":"USD","amount":700}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )

    assert replay["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_same_key_with_a_different_body_is_422(customer, customer_client):
    _deposit(customer_client, "key-1")

    response = _deposit(customer_client, "key-1", {**BODY, "amount": 701})

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert _deposits(customer) == 1


@pytest.mark.django_db
def test_same_key_on_another_endpoint_is_422(customer, customer_client):
    _deposit(customer_client, "key-1")

    response = customer_client.post(
        "/api/v1/wallet/withdraw", {"amount": 100}, HTTP_IDEMPOTENCY_KEY="key-1"
    )

    assert response.status_code == 422


@pytest.mark.django_db
def test_keys_are_scoped_per_user(customer, customer_client, merchant):
    _deposit(customer_client, "shared")

    response = _deposit(client_for(merchant), "shared")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def _mark_in_progress(key, *, started_seconds_ago):
    IdempotencyKey.objects.filter(key=key).update(
        status=IdempotencyKey.Status.IN_PROGRESS,
        response_status=None,
        response_body=None,
        locked_at=timezone.now() - timedelta(seconds=started_seconds_ago),
    )


@pytest.mark.django_db
def test_a_request_still_running_makes_the_second_409(customer, customer_client, settings):
    settings.IDEMPOTENCY_LOCK_TIMEOUT_SECONDS = 60
    _deposit(customer_client, "busy")
    _mark_in_progress("busy", started_seconds_ago=5)

    response = _deposit(customer_client, "busy")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_use"
    assert _deposits(customer) == 1


@pytest.mark.django_db
def test_a_key_abandoned_by_a_dead_process_is_taken_over(customer, customer_client, settings):
    settings.IDEMPOTENCY_LOCK_TIMEOUT_SECONDS = 60
    _deposit(customer_client, "orphan")
    # As if the process died mid-request: its transaction, effect included,
    # never committed, so only the in-progress key row is left.
    _mark_in_progress("orphan", started_seconds_ago=61)

    response = _deposit(customer_client, "orphan")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert IdempotencyKey.objects.get(key="orphan").status == "completed"


@pytest.mark.django_db
def test_refusals_are_replayed_too(customer, customer_client):
    first = customer_client.post(
        "/api/v1/wallet/withdraw", {"amount": 500}, HTTP_IDEMPOTENCY_KEY="k"
    )
    second = customer_client.post(
        "/api/v1/wallet/withdraw", {"amount": 500}, HTTP_IDEMPOTENCY_KEY="k"
    )

    assert first.status_code == second.status_code == 409
    assert second["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_server_error_frees_the_key_for_a_retry(customer, customer_client, monkeypatch):
    import payments.api

    def explode(**kwargs):
        raise RuntimeError("database fell over")

    monkeypatch.setattr(payments.api, "wallet_topup_by_card", explode)
    failed = _deposit(customer_client, "retry-me")
    monkeypatch.undo()
    retried = _deposit(customer_client, "retry-me")

    assert failed.status_code == 500
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert _deposits(customer) == 1


@pytest.mark.django_db
def test_money_moving_posts_require_the_header(customer_client):
    for path, body in [(DEPOSIT, BODY), ("/api/v1/wallet/withdraw", {"amount": 100})]:
        response = customer_client.post(path, body, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "idempotency_key_required"


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "clé-ünïcode", "tab\there", "new\nline"])
def test_malformed_keys_are_400(customer_client, key):
    response = customer_client.post(DEPOSIT, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"


@pytest.mark.django_db
def test_an_expired_key_runs_again(customer, customer_client):
    _deposit(customer_client, "old")
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    again = _deposit(customer_client, "old")

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert _deposits(customer) == 2


@pytest.mark.django_db
def test_purge_task_deletes_only_expired_keys(customer, customer_client):
    _deposit(customer_client, "old")
    _deposit(customer_client, "fresh")
    IdempotencyKey.objects.filter(key="old").update(expires_at=timezone.now())

    assert purge_expired_idempotency_keys_task() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_purge_task_is_scheduled_by_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "core.tasks.purge_expired_idempotency_keys_task" in tasks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_requests_with_one_key_have_one_effect(customer):
    def attempt():
        return _deposit(client_for(customer), "same-key-everywhere")

    responses = run_in_threads(attempt, [()] * 8)

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    fresh = [
        r for r in responses if r.status_code == 201 and not r.has_header("Idempotent-Replayed")
    ]
    assert len(fresh) == 1
    assert all(
        r.json()["code"] == "idempotency_key_in_use" for r in responses if r.status_code == 409
    )
    assert _deposits(customer) == 1
    assert Wallet.objects.get(owner=customer).balance == 700
    assert ledger_violations() == []
