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
