"""Keeping an account in Chromium: "Forgot password?" through the email to a new
password, and turning on two-factor sign-in with a code computed from the
secret the page shows."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from accounts.tests.totp import totp
from conftest import PASSWORD
from tests.browser.checks import check_page, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_forgot_password_through_the_email_to_a_new_password(page, live_server, csp_violations):
    UserFactory(email="forgetful@example.com")

    page.goto("/login/")
    page.get_by_role("link", name="Forgot password?").click()
    check_page(page, screenshot="password-reset")
    page.get_by_label("Email").fill("forgetful@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    [message] = [m for m in mail.outbox if m.to == ["forgetful@example.com"]]
    link = re.search(r"https?://\S+/password-reset/\S+/", message.body).group(0)
    page.goto(live_server.url + link[link.index("/password-reset/") :])
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    check_page(page)
    page.get_by_label("New password", exact=True).fill("a-brand-new-passphrase")
    page.get_by_label("New password again").fill("a-brand-new-passphrase")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()

    page.get_by_role("link", name="Log in").last.click()
    log_in(page, "forgetful@example.com", "a-brand-new-passphrase")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(live_server.url + link[link.index("/password-reset/") :])
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    assert csp_violations == []


def test_turning_on_two_factor_with_a_code_from_the_shown_secret(page, csp_violations):
    UserFactory(email="careful@example.com")

    page.goto("/login/")
    log_in(page, "careful@example.com", PASSWORD)
    page.get_by_role("link", name="Account").click()
    check_page(page, screenshot="account")
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.get_by_role("img", name="QR code of your two-factor secret")).to_be_visible()
    check_page(page, screenshot="two-factor-enrol")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Authentication code").fill(totp(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10
    check_page(page)
    page.get_by_role("button", name="I have saved them").click()

    page.get_by_role("button", name="Log out").click()
    page.goto("/login/")
    log_in(page, "careful@example.com", PASSWORD)
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    check_page(page)
    page.get_by_label("Authentication code").fill(totp(secret, steps_ahead=1))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto("/account/")
    expect(page.get_by_text("Two-factor sign-in: on, 10 recovery codes left")).to_be_visible()
    assert csp_violations == []
