"""The browsable API's HTML form, used in Chromium as a person would."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from conftest import PASSWORD
from tests.browser.conftest import SCREENSHOTS
from wallets.models import Wallet

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_deposit_from_the_browsable_api_form_runs_once(page, csp_violations):
    user = UserFactory()
    page.goto("/api-auth/login/?next=/api/v1/wallet/deposit")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Wallet Deposit", exact=True)).to_be_visible()
    form = page.locator("#post-object-form form")
    form.get_by_label("Amount").fill("2500")
    form.get_by_label("Card token").fill("tok_visa")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "browsable-api-deposit.png", full_page=True)
    form.get_by_role("button", name="POST").click()

    expect(page.get_by_text("HTTP 201 Created")).to_be_visible()
    assert Wallet.objects.get(owner=user).balance == 2500
    assert csp_violations == []
