import pytest
from django.test import Client

from accounts.tests.factories import AdminFactory, UserFactory
from wallets.models import Transfer, Wallet
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(AdminFactory())
    return client


def test_wallet_admin_lists_wallets_read_only(staff_client):
    wallet = funded_wallet(UserFactory(), 500)

    assert staff_client.get("/admin/wallets/wallet/").status_code == 200
    page = staff_client.get(f"/admin/wallets/wallet/{wallet.pk}/change/")
    assert page.status_code == 200
    assert b'name="balance"' not in page.content


def test_adjustment_action_asks_for_a_reason_then_records_a_balanced_transfer(staff_client):
    wallet = funded_wallet(UserFactory(), 500)
    selection = {"action": "create_adjustment", "_selected_action": [str(wallet.pk)]}

    form_page = staff_client.post("/admin/wallets/wallet/", selection)
    no_reason = staff_client.post(
        "/admin/wallets/wallet/", {**selection, "apply": "1", "amount": 5}
    )
    applied = staff_client.post(
        "/admin/wallets/wallet/",
        {**selection, "apply": "1", "amount": -200, "reason": "chargeback"},
    )

    assert form_page.status_code == no_reason.status_code == 200
    assert b"reason" in form_page.content
    assert applied.status_code == 302
    wallet.refresh_from_db()
    assert wallet.balance == 300
    assert Transfer.objects.get(kind="ADJUSTMENT").description == "chargeback"
    assert ledger_violations() == []


def test_adjustment_cannot_overdraw_a_user_wallet(staff_client):
    wallet = funded_wallet(UserFactory(), 100)

    staff_client.post(
        "/admin/wallets/wallet/",
        {
            "action": "create_adjustment",
            "_selected_action": [str(wallet.pk)],
            "apply": "1",
            "amount": -101,
            "reason": "too much",
        },
    )

    assert Wallet.objects.get(pk=wallet.pk).balance == 100
    assert not Transfer.objects.filter(kind="ADJUSTMENT").exists()


def test_ledger_rows_cannot_be_added_or_deleted_in_the_admin(staff_client):
    funded_wallet(UserFactory(), 100)

    assert staff_client.get("/admin/wallets/ledgerentry/add/").status_code == 403
    assert staff_client.get("/admin/wallets/transfer/add/").status_code == 403
