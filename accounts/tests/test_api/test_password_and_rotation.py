"""A refresh token is a one-time ticket; a password change ends every session."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import PASSWORD, run_in_threads

NEW_PASSWORD = "a-much-better-passphrase-42"


def _login(user, password=PASSWORD) -> dict:
    response = APIClient().post(
        "/api/v1/auth/login", {"email": user.email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def _bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _refresh(refresh: str):
    return APIClient().post("/api/v1/auth/refresh", {"refresh": refresh}, format="json")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twelve_parallel_refreshes_of_one_token_give_exactly_one_new_pair():
    tokens = _login(UserFactory())

    responses = run_in_threads(lambda: _refresh(tokens["refresh"]), [()] * 12)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [401] * 11
    assert {r.json()["code"] for r in responses if r.status_code == 401} == {"token_not_valid"}
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert _bearer(winner["access"]).get("/api/v1/auth/me").status_code == 200
    assert _refresh(winner["refresh"]).status_code == 200


@pytest.mark.django_db
def test_changing_the_password_ends_every_session_but_the_new_one():
    user = UserFactory()
    phone, laptop = _login(user), _login(user)

    response = _bearer(phone["access"]).post(
        "/api/v1/auth/password",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    fresh = response.json()
    for old in (phone, laptop):
        assert _refresh(old["refresh"]).status_code == 401
        stale = _bearer(old["access"]).get("/api/v1/auth/me")
        assert (stale.status_code, stale.json()["code"]) == (401, "token_not_valid")
    assert _bearer(fresh["access"]).get("/api/v1/auth/me").status_code == 200
    assert _refresh(fresh["refresh"]).status_code == 200
    assert _login(user, NEW_PASSWORD)["access"]


@pytest.mark.django_db
def test_a_wrong_current_password_or_a_weak_new_one_is_400_and_changes_nothing():
    user = UserFactory()
    tokens = _login(user)
    client = _bearer(tokens["access"])

    wrong = client.post(
        "/api/v1/auth/password",
        {"old_password": "not-it", "new_password": NEW_PASSWORD},
        format="json",
    )
    weak = client.post(
        "/api/v1/auth/password", {"old_password": PASSWORD, "new_password": "123"}, format="json"
    )

    assert (wrong.status_code, list(wrong.json()["errors"])) == (400, ["old_password"])
    assert (weak.status_code, list(weak.json()["errors"])) == (400, ["new_password"])
    assert client.get("/api/v1/auth/me").status_code == 200
    assert _refresh(tokens["refresh"]).status_code == 200


@pytest.mark.django_db
def test_changing_the_password_needs_a_login():
    response = APIClient().post(
        "/api/v1/auth/password",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 401
