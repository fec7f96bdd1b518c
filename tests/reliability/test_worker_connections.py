"""A real Celery worker keeps its database connection from one task to the next,
as a web worker does from one request to the next, and a connection that died
between two tasks costs the next task nothing."""

import uuid

import pytest
from celery import Celery
from django.db import connection

from core.heartbeat import WORKER
from core.models import Heartbeat
from core.task_names import WORKER_HEARTBEAT
from payments.tests.worker import (
    BROKER,
    broker_reachable,
    start_worker,
    stop_worker,
    wait_until,
)


def _worker_backends(name: str) -> set[int]:
    """The PostgreSQL backends of the worker's connections (named by PGAPPNAME,
    which libpq reads: other tests' idle connections may be about too)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = %s",
            [name],
        )
        return {pid for (pid,) in cursor.fetchall()}


def _beat(sender: Celery, queue: str) -> None:
    """One heartbeat task, run: its row's time moves."""
    before = _seen_at()
    sender.send_task(WORKER_HEARTBEAT, queue=queue)
    wait_until(lambda: _seen_at() not in (None, before), what="the heartbeat task", timeout=30)


def _seen_at():
    return Heartbeat.objects.filter(name=WORKER).values_list("seen_at", flat=True).first()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_task_after_task_on_one_connection_and_survives_losing_it():
    if not broker_reachable(BROKER):
        pytest.skip(f"no broker at {BROKER}")
    queue = f"kassa-conn-{uuid.uuid4().hex[:8]}"
    sender = Celery(broker=BROKER, set_as_current=False)
    worker = start_worker(queue, DB_CONN_MAX_AGE="600", PGAPPNAME=queue)
    try:
        _beat(sender, queue)
        kept = _worker_backends(queue)
        for _ in range(10):
            _beat(sender, queue)
        assert len(kept) == 1
        assert _worker_backends(queue) == kept  # ten tasks later, the same backend

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [kept.pop()])
        _beat(sender, queue)  # a new connection, made before the task's first query
        assert worker.poll() is None
    finally:
        output = stop_worker(worker)
    assert "OperationalError" not in output
