from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


def test_healthz_answers_without_touching_dependencies():
    with mock.patch("core.health.connection") as db:
        response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    db.cursor.assert_not_called()


def test_readyz_is_200_when_everything_answers():
    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


def test_readyz_is_503_naming_a_dead_database():
    with mock.patch(
        "core.health.connection.cursor", side_effect=OperationalError("connection refused")
    ):
        response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"
    assert response.json()["checks"]["cache"] == "ok"


@override_settings(CACHES=DEAD_REDIS, DJANGO_REDIS_IGNORE_EXCEPTIONS=True)
def test_readyz_is_503_naming_a_dead_cache():
    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readiness_reports_whether_a_worker_ran_the_heartbeat_lately(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from core.models import Heartbeat
    from core.tasks import worker_heartbeat_task

    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    without = client.get("/readyz").json()["workers"]
    worker_heartbeat_task.delay()  # what a worker does when beat sends it
    alive = client.get("/readyz").json()["workers"]
    Heartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=5))
    gone = client.get("/readyz").json()["workers"]

    assert without == {"state": "missing", "seconds_ago": None}
    assert alive["state"] == "ok" and alive["seconds_ago"] < 5
    assert gone["state"] == "stale" and gone["seconds_ago"] >= 300


def test_beat_sends_the_heartbeat_more_often_than_readiness_tolerates(settings):
    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["core.tasks.worker_heartbeat_task"] < settings.WORKER_HEARTBEAT_MAX_AGE
