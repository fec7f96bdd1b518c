"""Two-factor sign-in through the API: the challenge, codes computed from the
enrolled secret, recovery codes, throttling, and the actions that need it."""

import pytest
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.settings import api_settings

from accounts.services import totp_secret, two_factor_check, two_factor_enable_with_secret
from accounts.tests.factories import AdminFactory, MerchantFactory
from accounts.tests.totp import totp
from conftest import PASSWORD, client_for
from core.exceptions import ApplicationError
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db
LOGIN, OTP = "/api/v1/auth/login", "/api/v1/auth/login/otp"


@pytest.fixture
def enrolled():
    merchant = MerchantFactory()
    codes = two_factor_enable_with_secret(user=merchant, secret=b"0123456789abcdefghij")
    merchant.refresh_from_db()
    secret = totp_secret(TOTPDevice.objects.get(user=merchant))
    return merchant, secret, codes


def _challenge(api_client, user) -> str:
    answer = api_client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert answer.status_code == 401, answer.json()
    body = answer.json()
    assert body["code"] == "otp_required" and body["expires_in"] == 300
    assert "access" not in body
    return body["challenge"]


def test_the_password_alone_gets_a_challenge_and_a_totp_code_completes_it(api_client, enrolled):
    merchant, secret, _ = enrolled

    done = api_client.post(
        OTP, {"challenge": _challenge(api_client, merchant), "code": totp(secret)}
    )

    assert done.status_code == 200
    assert done.json()["user"]["two_factor_enabled"] is True
    assert done.json()["recovery_codes_left"] is None
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {done.json()['access']}")
    assert api_client.get("/api/v1/auth/me").status_code == 200


def test_a_code_and_a_challenge_work_once(api_client, enrolled):
    merchant, secret, _ = enrolled
    challenge = _challenge(api_client, merchant)
    code = totp(secret)
    api_client.post(OTP, {"challenge": challenge, "code": code})

    same_code = api_client.post(OTP, {"challenge": _challenge(api_client, merchant), "code": code})
    same_challenge = api_client.post(
        OTP, {"challenge": challenge, "code": totp(secret, steps_ahead=1)}
    )

    assert same_code.status_code == 400 and same_code.json()["code"] in ("otp_invalid", "throttled")
    assert same_challenge.status_code == 401
    assert same_challenge.json()["code"] == "otp_challenge_invalid"


def test_a_recovery_code_works_once_and_says_how_many_are_left(api_client, enrolled):
    merchant, _, codes = enrolled

    first = api_client.post(OTP, {"challenge": _challenge(api_client, merchant), "code": codes[0]})
    reused = api_client.post(OTP, {"challenge": _challenge(api_client, merchant), "code": codes[0]})

    assert first.status_code == 200 and first.json()["recovery_codes_left"] == 9
    assert reused.status_code in (400, 429)
    assert len(codes) == 10 and len(set(codes)) == 10


def test_a_forged_or_expired_challenge_is_refused(api_client, enrolled, settings):
    merchant, secret, _ = enrolled
    challenge = _challenge(api_client, merchant)
    settings.OTP_CHALLENGE_SECONDS = -1

    expired = api_client.post(OTP, {"challenge": challenge, "code": totp(secret)})
    forged = api_client.post(OTP, {"challenge": "not-signed", "code": totp(secret)})

    assert expired.status_code == 401 and expired.json()["code"] == "otp_challenge_invalid"
    assert forged.status_code == 401


def test_ten_wrong_codes_lock_as_wrong_passwords_do(api_client, enrolled, monkeypatch):
    """The login's own throttle (AUTH_THROTTLE_RATE, 10 a minute per address) covers
    the second step; django-otp also slows guessing per device, wherever from."""
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "auth", "11/min")
    merchant, secret, _ = enrolled
    challenge = _challenge(api_client, merchant)

    wrong = [
        api_client.post(OTP, {"challenge": challenge, "code": "000000"}).status_code
        for _ in range(10)
    ]
    right = api_client.post(OTP, {"challenge": challenge, "code": totp(secret)})
    from_elsewhere = api_client.post(
        OTP, {"challenge": challenge, "code": totp(secret)}, REMOTE_ADDR="10.2.2.2"
    )

    assert set(wrong) <= {400, 429} and wrong[0] == 400
    assert right.status_code == 429
    assert from_elsewhere.status_code == 429  # the device itself is slowed down
    assert from_elsewhere.json()["code"] == "throttled"


def test_withdrawing_needs_a_token_that_gave_the_code(api_client, enrolled):
    merchant, secret, _ = enrolled
    funded_wallet(merchant, 10_000)
    password_only = client_for(merchant)  # a token from before two-factor was on
    done = api_client.post(
        OTP, {"challenge": _challenge(api_client, merchant), "code": totp(secret)}
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {done.json()['access']}")
    body = {"amount": 500}

    refused = password_only.post(
        "/api/v1/wallet/withdraw", body, format="json", HTTP_IDEMPOTENCY_KEY="w1"
    )
    allowed = api_client.post(
        "/api/v1/wallet/withdraw", body, format="json", HTTP_IDEMPOTENCY_KEY="w2"
    )
    refreshed = api_client.post("/api/v1/auth/refresh", {"refresh": done.json()["refresh"]})
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    after_refresh = api_client.post(
        "/api/v1/wallet/withdraw", body, format="json", HTTP_IDEMPOTENCY_KEY="w3"
    )

    assert refused.status_code == 403 and refused.json()["code"] == "otp_required"
    assert allowed.status_code == 201
    assert after_refresh.status_code == 201  # a refreshed pair keeps the claim


def test_the_check_for_api_keys_refuses_an_enrolled_merchant_with_the_password_alone(enrolled):
    merchant, _, _ = enrolled

    with pytest.raises(ApplicationError) as refused:
        two_factor_check(user=merchant, verified=False)
    two_factor_check(user=merchant, verified=True)
    two_factor_check(user=MerchantFactory(), verified=False)  # not enrolled: nothing asked

    assert refused.value.code == "otp_required" and refused.value.status == 403


@override_settings(KASSA_REQUIRE_2FA=True)
def test_staff_who_have_not_enrolled_cannot_get_tokens(api_client):
    admin = AdminFactory()

    answer = api_client.post(LOGIN, {"email": admin.email, "password": PASSWORD})

    assert answer.status_code == 403 and answer.json()["code"] == "otp_enrolment_required"
    with pytest.raises(ApplicationError):
        two_factor_check(user=admin, verified=False)


def test_an_account_without_two_factor_logs_in_with_the_password(api_client):
    merchant = MerchantFactory()

    answer = api_client.post(LOGIN, {"email": merchant.email, "password": PASSWORD})

    assert answer.status_code == 200 and "access" in answer.json()
