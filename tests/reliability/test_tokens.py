"""Every forged, misused or stale token is a 401; roles are read from the database."""

import base64
import json

import jwt
import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import MerchantFactory, UserFactory
from conftest import client_for

pytestmark = pytest.mark.django_db
ME = "/api/v1/auth/me"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _call(token: str, path=ME):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(path)


def _claims(user) -> dict:
    return dict(AccessToken.for_user(user).payload)


def test_alg_none_is_refused():
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(UserFactory()))}."

    assert _call(token).status_code == 401


def test_a_token_signed_with_another_key_is_refused():
    token = jwt.encode(_claims(UserFactory()), "someone-elses-secret-key-of-enough-length", "HS256")

    assert _call(token).status_code == 401


def test_edited_claims_break_the_signature():
    victim, attacker = UserFactory(), UserFactory()
    header, _, signature = str(AccessToken.for_user(attacker)).split(".")
    forged = f"{header}.{_b64({**_claims(attacker), 'user_id': str(victim.pk)})}.{signature}"

    assert _call(forged).status_code == 401


def test_a_refresh_token_is_not_an_access_token():
    assert _call(str(RefreshToken.for_user(UserFactory()))).status_code == 401


def test_a_deactivated_users_token_is_refused():
    user = UserFactory()
    token = str(AccessToken.for_user(user))
    user.is_active = False
    user.save()

    assert _call(token).status_code == 401


def test_a_token_in_the_query_string_is_ignored():
    token = str(AccessToken.for_user(UserFactory()))

    response = APIClient().get(ME, {"token": token, "access_token": token})

    assert response.status_code == 401


def test_an_expired_token_is_refused():
    from datetime import timedelta

    token = AccessToken.for_user(UserFactory())
    token.set_exp(lifetime=-timedelta(seconds=1))

    assert _call(str(token)).status_code == 401


def test_a_token_accepted_before_is_refused_once_it_expires(monkeypatch):
    from datetime import timedelta

    from rest_framework_simplejwt.utils import aware_utcnow

    token = str(AccessToken.for_user(UserFactory()))
    assert _call(token).status_code == 200  # checked, and remembered by this process

    sixteen_minutes_later = aware_utcnow() + timedelta(minutes=16)
    for module in ("accounts.authentication", "rest_framework_simplejwt.tokens"):
        monkeypatch.setattr(f"{module}.aware_utcnow", lambda: sixteen_minutes_later)
    response = _call(token)

    assert (response.status_code, response.json()["code"]) == (401, "token_not_valid")


def test_a_demoted_merchant_loses_merchant_rights_at_once():
    merchant = MerchantFactory()
    client = client_for(merchant)  # token issued while a merchant
    assert client.get("/api/v1/products/mine").status_code == 200

    merchant.role = "CUSTOMER"
    merchant.save()

    assert client.get("/api/v1/products/mine").status_code == 403
    assert (
        client.post(
            "/api/v1/products", {"name": "x", "price": 100, "stock": 1}, format="json"
        ).status_code
        == 403
    )


def test_a_role_claim_in_the_token_is_not_trusted():
    customer = UserFactory()
    token = AccessToken.for_user(customer)
    token["role"] = "ADMIN"

    assert _call(str(token), "/api/v1/inventory").status_code == 403
