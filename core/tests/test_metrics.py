"""/metrics: money and queues for Prometheus, for the operator's addresses only."""

import re

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from payments.tests.factories import card_order, pay_order

pytestmark = pytest.mark.django_db


def _value(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = rf"^{name}(?:\{{{re.escape(wanted)}\}})? (\S+)$" if wanted else rf"^{name} (\S+)$"
    match = re.search(pattern, text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_are_refused_to_a_foreign_address_and_served_to_loopback(settings):
    settings.METRICS_TOKEN = "scrape-secret"

    foreign = Client(REMOTE_ADDR="203.0.113.7").get("/metrics")
    wrong_token = Client(REMOTE_ADDR="203.0.113.7").get(
        "/metrics", HTTP_AUTHORIZATION="Bearer guess"
    )
    local = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    with_token = Client(REMOTE_ADDR="203.0.113.7").get(
        "/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret"
    )

    assert (foreign.status_code, wrong_token.status_code) == (403, 403)
    assert (local.status_code, with_token.status_code) == (200, 200)
    assert local["Content-Type"].startswith("text/plain")
    assert "kassa_payments{" in local.content.decode()


def test_the_payment_counters_move_after_a_payment(django_capture_on_commit_callbacks):
    before = Client().get("/metrics").content.decode()
    order = card_order(UserFactory(), ProductFactory(price=1200))

    pay_order(order, "tok_flaky", django_capture_on_commit_callbacks)
    after = Client().get("/metrics").content.decode()

    def delta(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("kassa_payment_attempts_total", outcome="transient_error") == 2
    assert delta("kassa_payment_attempts_total", outcome="succeeded") == 1
    assert delta("kassa_payment_retries_total") == 2
    assert delta("kassa_gateway_seconds_count", operation="charge") == 3
    assert _value(after, "kassa_payments", status="SUCCEEDED") >= 1
    assert "django_db_execute_total{" in after  # django-prometheus's query counts
    assert "django_http_responses_total_by_status_total{" in after


def test_refusals_are_counted_by_view_and_code():
    from conftest import client_for

    buyer = UserFactory()
    product = ProductFactory(price=5000)
    before = Client().get("/metrics").content.decode()

    client_for(buyer).post(
        "/api/v1/orders",
        {"items": [{"product_id": str(product.pk), "quantity": 1}], "payment_method": "WALLET"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="broke",
    )
    after = Client().get("/metrics").content.decode()

    labels = {"view": "OrderListCreateApi", "code": "insufficient_funds", "status": "409"}
    assert (
        _value(after, "kassa_refusals_total", **labels)
        - _value(before, "kassa_refusals_total", **labels)
        == 1
    )


def test_verify_ledger_runs_on_beat_and_reports_to_metrics(settings, caplog):
    from wallets.tasks import verify_ledger_task

    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["wallets.tasks.verify_ledger_task"] == 3600.0

    assert verify_ledger_task() == 0
    text = Client().get("/metrics").content.decode()
    assert _value(text, "kassa_ledger_violations") == 0
    assert _value(text, "kassa_ledger_verified_timestamp_seconds") > 0


def test_statements_their_time_and_their_errors_are_counted_per_database():
    from django.db import DatabaseError, connection, transaction

    labels = {"alias": "default", "vendor": connection.vendor}
    before = Client().get("/metrics").content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        with pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute("SELECT * FROM no_such_table")
    after = Client().get("/metrics").content.decode()

    def delta(name, **more):
        return _value(after, name, **labels, **more) - _value(before, name, **labels, **more)

    assert delta("django_db_execute_total") >= 2
    assert delta("django_db_query_duration_seconds_count") >= 2
    # The driver's own exception, as django-prometheus counted it.
    error_type = "UndefinedTable" if connection.vendor == "postgresql" else "OperationalError"
    assert delta("django_db_errors_total", type=error_type) == 1
