import pytest
from rest_framework.settings import api_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth_rate(monkeypatch):
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "auth", "3/min")


@pytest.mark.parametrize("url", ["/api/v1/auth/login", "/api/v1/auth/register"])
def test_auth_endpoints_answer_429_with_retry_after_past_the_rate(api_client, auth_rate, url):
    statuses = [api_client.post(url, {}).status_code for _ in range(3)]
    blocked = api_client.post(url, {})

    assert statuses == [400, 400, 400]
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "throttled"
    assert int(blocked["Retry-After"]) > 0


def test_throttle_is_per_ip(api_client, auth_rate):
    for _ in range(3):
        api_client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.0.0.1")

    other_ip = api_client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.0.0.2")
    spoofed = api_client.post(
        "/api/v1/auth/login", {}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )

    assert other_ip.status_code == 400
    assert spoofed.status_code == 429
