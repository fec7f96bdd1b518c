"""POST /auth/password/reset and /auth/password/reset/confirm."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import override_settings

from accounts.tests.factories import UserFactory
from conftest import PASSWORD

pytestmark = pytest.mark.django_db
RESET = "/api/v1/auth/password/reset"
CONFIRM = "/api/v1/auth/password/reset/confirm"


def _link_parts(message) -> tuple[str, str]:
    uid, token = re.search(r"/password-reset/([^/]+)/([^/]+)/", message.body).groups()
    return uid, token


def _login(api_client, email, password):
    return api_client.post("/api/v1/auth/login", {"email": email, "password": password})


def _ask(api_client, email, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return api_client.post(RESET, {"email": email}, **extra)


def test_the_link_works_once_and_ends_every_other_session_and_token(
    api_client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="ann@example.com")
    old = _login(api_client, "ann@example.com", PASSWORD).json()
    _ask(api_client, "ANN@example.com", django_capture_on_commit_callbacks)
    uid, token = _link_parts(mail.outbox[-1])

    done = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": "a-new-long-pass"})
    again = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": "another-pass-9"})

    assert done.status_code == 200
    assert again.status_code == 400 and again.json()["code"] == "link_invalid"
    assert mail.outbox[-1].to == [user.email]
    assert _login(api_client, "ann@example.com", "a-new-long-pass").status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {old['access']}")
    assert api_client.get("/api/v1/auth/me").status_code == 401
    api_client.credentials()
    refreshed = api_client.post("/api/v1/auth/refresh", {"refresh": old["refresh"]})
    assert refreshed.status_code == 401


def test_the_link_ends_browser_sessions_too(api_client, django_capture_on_commit_callbacks, client):
    user = UserFactory()
    client.force_login(user)
    _ask(api_client, user.email, django_capture_on_commit_callbacks)
    uid, token = _link_parts(mail.outbox[-1])

    api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": "a-new-long-pass"})

    assert client.get("/account/").status_code == 302  # back to "Log in"


def test_the_link_expires(api_client, django_capture_on_commit_callbacks, monkeypatch):
    user = UserFactory()
    _ask(api_client, user.email, django_capture_on_commit_callbacks)
    uid, token = _link_parts(mail.outbox[-1])
    later = default_token_generator._now() + timedelta(minutes=61)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    late = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": "a-new-long-pass"})

    assert late.status_code == 400 and late.json()["code"] == "link_invalid"


def test_a_forged_link_or_a_weak_password_is_refused(
    api_client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    _ask(api_client, user.email, django_capture_on_commit_callbacks)
    uid, token = _link_parts(mail.outbox[-1])

    forged = api_client.post(CONFIRM, {"uid": uid, "token": "1-abc", "new_password": "a-long-pass"})
    weak = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": "123"})

    assert forged.status_code == 400 and forged.json()["code"] == "link_invalid"
    assert weak.status_code == 400 and "new_password" in weak.json()["errors"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_unknown_email_gets_the_same_answer_after_the_same_work(
    api_client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    UserFactory(email="known@example.com")
    answers, sent = [], []
    for email in ("known@example.com", "nobody@example.com"):
        # The request itself reads nothing: the lookup is the task's, after it.
        with django_assert_num_queries(0), django_capture_on_commit_callbacks() as callbacks:
            response = api_client.post(RESET, {"email": email})
        answers.append((response.status_code, response.json()))
        sent.append(len(callbacks))
        for callback in callbacks:
            callback()

    assert answers[0] == answers[1]
    assert answers[0][0] == 202
    assert sent == [1, 1]
    assert [message.to for message in mail.outbox] == [["known@example.com"]]


@override_settings(PASSWORD_RESET_RATE="2/h")
def test_reset_requests_are_throttled_per_address_and_per_email(api_client):
    per_email = [
        api_client.post(RESET, {"email": "a@example.com"}, REMOTE_ADDR=f"10.0.0.{i}").status_code
        for i in range(3)
    ]
    per_address = [
        api_client.post(RESET, {"email": f"b{i}@example.com"}, REMOTE_ADDR="10.1.1.1").status_code
        for i in range(3)
    ]
    throttled = api_client.post(RESET, {"email": "c@example.com"}, REMOTE_ADDR="10.1.1.1")

    assert per_email == [202, 202, 429]
    assert per_address == [202, 202, 429]
    assert throttled.json()["code"] == "throttled" and int(throttled["Retry-After"]) > 0
