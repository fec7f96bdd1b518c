import pytest

from accounts.tests.factories import UserFactory
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/login"


def test_login_returns_tokens_and_user(api_client):
    user = UserFactory(email="me@example.com")

    response = api_client.post(URL, {"email": "me@example.com", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == str(user.pk)
    assert body["access"] and body["refresh"]


def test_login_email_is_case_insensitive(api_client):
    UserFactory(email="me@example.com")

    response = api_client.post(URL, {"email": "ME@Example.com", "password": PASSWORD})

    assert response.status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_401(api_client):
    UserFactory(email="me@example.com")

    wrong_password = api_client.post(URL, {"email": "me@example.com", "password": "nope"})
    unknown_email = api_client.post(URL, {"email": "who@example.com", "password": "nope"})

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["code"] == "invalid_credentials"


def test_deactivated_user_cannot_log_in(api_client):
    UserFactory(email="gone@example.com", is_active=False)

    response = api_client.post(URL, {"email": "gone@example.com", "password": PASSWORD})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_login_without_fields_is_400_with_field_errors(api_client):
    response = api_client.post(URL, {})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "password"}
