from datetime import timedelta

import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import UserFactory
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(api_client, user):
    return api_client.post("/api/v1/auth/login", {"email": user.email, "password": PASSWORD}).json()


def test_token_lifetimes_are_15_minutes_and_7_days():
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=15)
    assert settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"] == timedelta(days=7)
    user = UserFactory()
    access = AccessToken.for_user(user)
    assert access["exp"] - access["iat"] == 15 * 60


def test_refresh_rotates_and_blacklists_the_old_refresh_token(api_client):
    tokens = _login(api_client, UserFactory())

    first = api_client.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]})
    again = api_client.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]})

    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    assert first.json()["access"]
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"


def test_refresh_with_garbage_is_401(api_client):
    response = api_client.post("/api/v1/auth/refresh", {"refresh": "not-a-token"})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_without_token_is_400(api_client):
    response = api_client.post("/api/v1/auth/refresh", {})

    assert response.status_code == 400
    assert "refresh" in response.json()["errors"]


def test_logout_blacklists_the_refresh_token(api_client):
    tokens = _login(api_client, UserFactory())

    logout = api_client.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]})
    refresh = api_client.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]})

    assert logout.status_code == 204
    assert refresh.status_code == 401


def test_logout_with_an_access_token_is_401(api_client):
    user = UserFactory()

    response = api_client.post("/api/v1/auth/logout", {"refresh": str(AccessToken.for_user(user))})

    assert response.status_code == 401


def test_me_returns_the_user_without_password(api_client):
    user = UserFactory(email="me@example.com", first_name="Me")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_login(api_client, user)['access']}")

    body = api_client.get("/api/v1/auth/me").json()

    assert body == {
        "id": str(user.pk),
        "email": "me@example.com",
        "first_name": "Me",
        "last_name": user.last_name,
        "role": "CUSTOMER",
        "date_joined": body["date_joined"],
        "email_verified": True,
        "two_factor_enabled": False,
    }


def test_me_without_token_is_401(api_client):
    response = api_client.get("/api/v1/auth/me")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_with_refresh_token_as_access_is_401(api_client):
    user = UserFactory()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user)}")

    assert api_client.get("/api/v1/auth/me").status_code == 401


def test_token_of_a_deactivated_user_stops_working(api_client):
    user = UserFactory()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    user.is_active = False
    user.save()

    response = api_client.get("/api/v1/auth/me")

    assert response.status_code == 401
