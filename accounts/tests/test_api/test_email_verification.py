"""Verified email: the link, "Resend", changing the email, and exactly the gates
the issue lists (withdrawing; a merchant putting products on sale)."""

import re

import pytest
from django.core import mail
from django.test import override_settings

from accounts.models import User
from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD, client_for
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _token(message) -> str:
    return re.search(r"/account/email/verify/([^/\s]+)/", message.body).group(1)


def _withdraw(client, key="w-1"):
    return client.post(
        "/api/v1/wallet/withdraw", {"amount": 500}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_registration_sends_a_link_that_verifies_the_email(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registered = api_client.post(
            "/api/v1/auth/register",
            {"email": "new@example.com", "password": "a-long-unusual-passphrase"},
        )
    token = _token(mail.outbox[-1])

    verified = api_client.post("/api/v1/auth/email/verify", {"token": token})
    again = api_client.post("/api/v1/auth/email/verify", {"token": token})

    assert registered.json()["user"]["email_verified"] is False
    assert mail.outbox[-1].to == ["new@example.com"]
    assert verified.status_code == 200 and verified.json()["email_verified"] is True
    assert again.status_code == 200  # using it twice changes nothing
    assert User.objects.get(email="new@example.com").email_verified_at is not None


def test_a_forged_link_is_refused(api_client):
    answer = api_client.post("/api/v1/auth/email/verify", {"token": "forged:token"})

    assert answer.status_code == 400 and answer.json()["code"] == "link_invalid"


def test_an_unverified_customer_buys_but_cannot_withdraw():
    customer = UserFactory(email_verified_at=None)
    funded_wallet(customer, 10_000)
    product = ProductFactory(price=1000)
    client = client_for(customer)

    bought = client.post(
        "/api/v1/orders",
        {"items": [{"product_id": str(product.pk), "quantity": 1}], "payment_method": "WALLET"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="buy-1",
    )
    withdrawn = _withdraw(client)

    assert bought.status_code == 201
    assert withdrawn.status_code == 403 and withdrawn.json()["code"] == "email_unverified"


def test_an_unverified_merchant_cannot_put_products_on_sale_or_withdraw():
    merchant = MerchantFactory(email_verified_at=None)
    funded_wallet(merchant, 10_000)
    client = client_for(merchant)
    product = {"name": "Key", "price": 500, "currency": "USD", "stock": 3}

    on_sale = client.post("/api/v1/products", product, format="json")
    draft = client.post("/api/v1/products", {**product, "is_active": False}, format="json")
    published = client.patch(
        f"/api/v1/products/{draft.json()['id']}", {"is_active": True}, format="json"
    )
    edited = client.patch(f"/api/v1/products/{draft.json()['id']}", {"price": 600}, format="json")

    assert on_sale.status_code == 403 and on_sale.json()["code"] == "email_unverified"
    assert draft.status_code == 201
    assert published.status_code == 403 and published.json()["code"] == "email_unverified"
    assert edited.status_code == 200  # editing a draft is not putting it on sale
    assert _withdraw(client).json()["code"] == "email_unverified"


@override_settings(KASSA_EMAIL_VERIFICATION="optional")
def test_optional_verification_turns_the_gates_off():
    merchant = MerchantFactory(email_verified_at=None)
    funded_wallet(merchant, 10_000)
    client = client_for(merchant)

    created = client.post(
        "/api/v1/products", {"name": "Key", "price": 500, "stock": 1}, format="json"
    )

    assert created.status_code == 201
    assert _withdraw(client).status_code == 201


def test_resend_is_throttled(django_capture_on_commit_callbacks):
    client = client_for(UserFactory(email_verified_at=None))
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post("/api/v1/auth/email/verify/resend").status_code for _ in range(4)]

    assert answers == [202, 202, 202, 429]
    assert len(mail.outbox) == 3


def test_a_new_email_is_verified_before_it_replaces_the_old(
    api_client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="old@example.com")
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(
            "/api/v1/auth/email", {"new_email": "New@Example.com", "password": PASSWORD}
        )
    link = mail.outbox[-1]
    user.refresh_from_db()
    unchanged = user.email

    confirmed = api_client.post("/api/v1/auth/email/verify", {"token": _token(link)})

    assert asked.status_code == 202
    assert link.to == ["new@example.com"] and unchanged == "old@example.com"
    assert confirmed.status_code == 200 and confirmed.json()["email"] == "new@example.com"


def test_changing_the_email_needs_the_password_and_a_free_address():
    UserFactory(email="taken@example.com")
    client = client_for(UserFactory())

    wrong = client.post("/api/v1/auth/email", {"new_email": "x@example.com", "password": "no"})
    taken = client.post(
        "/api/v1/auth/email", {"new_email": "taken@example.com", "password": PASSWORD}
    )

    assert wrong.status_code == 400 and "password" in wrong.json()["errors"]
    assert taken.status_code == 400 and "new_email" in taken.json()["errors"]


def test_a_link_made_before_another_change_stops_working(
    api_client, django_capture_on_commit_callbacks
):
    client = client_for(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/v1/auth/email", {"new_email": "a@example.com", "password": PASSWORD})
        client.post("/api/v1/auth/email", {"new_email": "b@example.com", "password": PASSWORD})
    first, second = (_token(message) for message in mail.outbox[-2:])

    api_client.post("/api/v1/auth/email/verify", {"token": second})
    stale = api_client.post("/api/v1/auth/email/verify", {"token": first})

    assert stale.status_code == 400 and stale.json()["code"] == "link_invalid"
