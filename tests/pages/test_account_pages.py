"""Account pages through Django's test client: the second factor at sign-in and
at /admin/, enrolment, sign-ins and "Sign out everywhere else", the staff reset,
and the verification gates as a person meets them."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SignIn
from accounts.services import (
    totp_secret,
    two_factor_enable_with_secret,
    user_grant_merchant_admin,
)
from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from accounts.tests.totp import totp
from conftest import PASSWORD
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _enrol(user) -> tuple[str, list[str]]:
    codes = two_factor_enable_with_secret(user=user, secret=b"page-test-secret-key")
    return totp_secret(TOTPDevice.objects.get(user=user)), codes


def _log_in(client, user, path="/login/"):
    return client.post(path, {"username": user.email, "password": PASSWORD})


def _admin_login(client, user):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": user.email, "password": PASSWORD, "next": "/admin/"},
    )


def test_a_merchant_with_two_factor_cannot_reach_the_admin_with_the_password_alone():
    merchant = user_grant_merchant_admin(user=MerchantFactory())
    secret, _ = _enrol(merchant)
    client = Client()

    _admin_login(client, merchant)
    admin_page = client.get("/admin/")
    storefront_page = client.get("/orders/")
    api = client.get("/api/v1/auth/me")
    client.post("/login/code/", {"code": totp(secret), "next": "/admin/"})

    assert admin_page.status_code == 302 and admin_page.url.startswith("/login/code/")
    assert storefront_page.status_code == 302 and storefront_page.url.startswith("/login/code/")
    assert api.status_code == 401 and api.json()["code"] == "otp_required"
    assert client.get("/admin/").status_code == 200


def test_the_storefront_login_asks_for_the_code_after_the_password():
    customer = UserFactory()
    secret, _ = _enrol(customer)
    client = Client()

    after_password = _log_in(client, customer)
    asked = client.get(after_password.url)
    done = client.post(after_password.url, {"code": totp(secret)})

    assert after_password.url.startswith("/login/code/")
    assert "Two-factor sign-in" in asked.content.decode()
    assert done.status_code == 302
    assert client.get("/orders/").status_code == 200


def test_a_recovery_code_on_the_page_works_once_and_says_how_many_are_left():
    customer = UserFactory()
    _, codes = _enrol(customer)
    first, second = Client(), Client()
    _log_in(first, customer)
    _log_in(second, customer)

    used = first.post("/login/code/", {"code": codes[0], "next": "/account/"}, follow=True)
    reused = second.post("/login/code/", {"code": codes[0]})

    assert "Recovery code accepted; 9 left." in used.content.decode()
    assert "9 recovery codes left" in used.content.decode()
    assert reused.status_code == 400


def test_ten_wrong_codes_on_the_page_lock_as_wrong_passwords_do():
    customer = UserFactory()
    secret, _ = _enrol(customer)
    client = Client()
    _log_in(client, customer)

    answers = [client.post("/login/code/", {"code": "000000"}).status_code for _ in range(10)]
    right_code = client.post("/login/code/", {"code": totp(secret)})
    password_again = _log_in(Client(), customer)

    assert 429 in answers
    assert right_code.status_code == 429
    assert "Too many failed logins" in right_code.content.decode()
    assert password_again.status_code == 429


@override_settings(KASSA_REQUIRE_2FA=True)
def test_with_the_requirement_on_staff_enrol_before_the_admin_and_merchants_before_it_too():
    merchant, admin = user_grant_merchant_admin(user=MerchantFactory()), AdminFactory()
    merchant_client, admin_client = Client(), Client()
    _admin_login(merchant_client, merchant)
    _admin_login(admin_client, admin)

    merchant_admin = merchant_client.get("/admin/")
    merchant_storefront = merchant_client.get("/orders/")
    admin_storefront = admin_client.get("/orders/")

    assert merchant_admin.status_code == 302 and merchant_admin.url.startswith(
        "/account/two-factor/"
    )
    assert merchant_storefront.status_code == 200  # merchants need it for the admin only
    assert admin_storefront.status_code == 302
    assert admin_storefront.url.startswith("/account/two-factor/")


def test_enrolling_shows_a_qr_code_and_the_secret_and_takes_a_first_code():
    customer = UserFactory()
    client = Client()
    client.force_login(customer)

    page = client.get("/account/two-factor/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    done = client.post("/account/two-factor/", {"code": totp(secret)}, follow=True)
    shown_again = client.get("/account/two-factor/recovery-codes/")

    assert 'src="data:image/svg+xml' in page and 'alt="QR code' in page
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert shown_again.status_code == 302  # shown once
    customer.refresh_from_db()
    assert customer.two_factor_enabled


def test_account_lists_sessions_and_api_tokens_and_signs_out_everywhere_else(api_client):
    user = UserFactory()
    here, elsewhere = (
        Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"),
        Client(),
    )
    _log_in(here, user)
    _log_in(elsewhere, user)
    tokens = api_client.post(
        "/api/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        HTTP_USER_AGENT="curl/8.5",
        REMOTE_ADDR="10.9.8.7",
    ).json()

    page = here.get("/account/").content.decode()
    here.post("/account/sign-out-others/")

    assert "Firefox on Linux (this one)" in page
    assert "curl" in page and "10.9.8.7" in page and "API token" in page
    assert SignIn.objects.filter(user=user, ended_at__isnull=True).count() == 1
    assert here.get("/account/").status_code == 200
    assert elsewhere.get("/account/").status_code == 302
    assert (
        api_client.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.get("/api/v1/auth/me").status_code == 401


def test_staff_reset_a_second_factor_from_the_admin_and_it_is_logged():
    customer = UserFactory()
    _enrol(customer)
    staff = Client()
    staff.force_login(AdminFactory())

    staff.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [str(customer.pk)]},
    )

    customer.refresh_from_db()
    assert not customer.two_factor_enabled
    assert not TOTPDevice.objects.filter(user=customer).exists()
    assert LogEntry.objects.filter(
        object_id=str(customer.pk), change_message__contains="two-factor"
    ).exists()


def test_an_unverified_customer_sees_the_banner_and_a_clear_message_on_withdrawing():
    customer = UserFactory(email_verified_at=None)
    funded_wallet(customer, 10_000)
    client = Client()
    client.force_login(customer)
    wallet = client.get("/wallet/").content.decode()
    key = re.search(r'name="withdraw-form_key" value="([^"]+)"', wallet).group(1)

    answer = client.post(
        "/wallet/withdraw/", {"withdraw-amount": "10.00", "withdraw-form_key": key}, follow=True
    )

    assert "Please verify" in wallet and ">Resend<" in wallet
    assert "Verify your email address first" in answer.content.decode()


def test_an_unverified_merchant_is_told_why_a_product_does_not_go_on_sale():
    merchant = MerchantFactory(email_verified_at=None)
    client = Client()
    client.force_login(merchant)

    answer = client.post(
        "/dashboard/products/new/",
        {"name": "Key", "price": "5.00", "currency": "USD", "stock": 3, "delivery_kind": "manual"},
    )

    assert answer.status_code == 400
    assert "Verify your email address first" in answer.content.decode()


def test_the_verification_link_asks_for_a_click_then_verifies(django_capture_on_commit_callbacks):
    from django.core import mail

    customer = UserFactory(email_verified_at=None)
    client = Client()
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/email/resend/", {"next": "/account/"})
    path = re.search(r"http://[^/]+(/account/email/verify/\S+/)", mail.outbox[-1].body).group(1)

    shown = client.get(path)
    customer.refresh_from_db()
    still_unverified = customer.email_verified_at is None
    client.post(path)

    customer.refresh_from_db()
    assert shown.status_code == 200 and still_unverified
    assert customer.email_verified_at is not None
