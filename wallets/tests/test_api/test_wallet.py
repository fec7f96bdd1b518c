import uuid

import pytest

from wallets.models import LedgerEntry, Transfer, Wallet
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


def key():
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


def deposit(client, amount=5000, **extra):
    body = {"amount": amount, "currency": "USD", "card_token": "tok_visa", **extra}
    return client.post("/api/v1/wallet/deposit", body, format="json", **key())


def test_new_user_sees_a_zero_wallet(customer_client):
    body = customer_client.get("/api/v1/wallet").json()

    assert body["currency"] == "USD"
    assert body["balance"] == 0


def test_wallet_with_unknown_currency_is_400(customer_client):
    assert customer_client.get("/api/v1/wallet", {"currency": "XYZ"}).status_code == 400


def test_wallet_needs_authentication(api_client):
    assert api_client.get("/api/v1/wallet").status_code == 401
    assert api_client.post("/api/v1/wallet/deposit", {}, **key()).status_code == 401


def test_deposit_credits_the_wallet_and_reports_balances(customer_client):
    response = deposit(customer_client, 5000, description="top-up")

    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "DEPOSIT"
    assert (body["amount"], body["direction"], body["currency"]) == (5000, "credit", "USD")
    assert (body["balance_before"], body["balance_after"]) == (0, 5000)
    assert body["description"] == "top-up"
    assert customer_client.get("/api/v1/wallet").json()["balance"] == 5000
    assert ledger_violations() == []


def test_withdraw_debits_the_wallet(customer, customer_client):
    funded_wallet(customer, 5000)

    response = customer_client.post("/api/v1/wallet/withdraw", {"amount": 1500}, **key())

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["direction"]) == ("WITHDRAWAL", "debit")
    assert (body["balance_before"], body["balance_after"]) == (5000, 3500)
    assert ledger_violations() == []


def test_withdraw_over_the_balance_is_409_and_changes_nothing(customer, customer_client):
    funded_wallet(customer, 1000)
    transfers_before = Transfer.objects.count()

    response = customer_client.post("/api/v1/wallet/withdraw", {"amount": 1001}, **key())

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_funds"
    assert Wallet.objects.get(owner=customer).balance == 1000
    assert Transfer.objects.count() == transfers_before


BAD_AMOUNTS = [0, -100, 10.5, 100.0, "100", "10.001", "abc", None, True, [10], {"v": 1}, 2**63]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_deposit_rejects_bad_amounts(customer_client, amount):
    response = deposit(customer_client, amount)

    assert response.status_code == 400
    assert "amount" in response.json()["errors"]
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_withdraw_rejects_bad_amounts(customer, customer_client, amount):
    funded_wallet(customer, 10_000)

    response = customer_client.post(
        "/api/v1/wallet/withdraw", {"amount": amount}, format="json", **key()
    )

    assert response.status_code == 400
    assert "amount" in response.json()["errors"]


def test_deposit_above_the_maximum_is_400(customer_client, settings):
    settings.MAXIMUM_DEPOSIT = 1_000_000

    assert deposit(customer_client, 1_000_001).status_code == 400
    assert deposit(customer_client, 1_000_000).status_code == 201


def test_withdraw_below_the_minimum_is_400(customer, customer_client, settings):
    settings.MINIMUM_WITHDRAWAL = 100
    funded_wallet(customer, 10_000)

    low = customer_client.post("/api/v1/wallet/withdraw", {"amount": 99}, **key())
    ok = customer_client.post("/api/v1/wallet/withdraw", {"amount": 100}, **key())

    assert low.status_code == 400
    assert ok.status_code == 201


def test_deposit_needs_a_card_token(customer_client):
    response = customer_client.post(
        "/api/v1/wallet/deposit", {"amount": 100, "currency": "USD"}, **key()
    )

    assert response.status_code == 400
    assert "card_token" in response.json()["errors"]


def test_client_sent_balance_is_ignored(customer_client):
    deposit(customer_client, 100, balance=10**9, balance_after=10**9)

    assert customer_client.get("/api/v1/wallet").json()["balance"] == 100


def test_transactions_are_paginated_newest_first_and_filterable(customer, customer_client):
    funded_wallet(customer, 5000)
    customer_client.post("/api/v1/wallet/withdraw", {"amount": 1000}, **key())
    deposit(customer_client, 200)

    everything = customer_client.get("/api/v1/wallet/transactions").json()
    withdrawals = customer_client.get("/api/v1/wallet/transactions", {"kind": "WITHDRAWAL"}).json()
    future = customer_client.get(
        "/api/v1/wallet/transactions", {"created_after": "2999-01-01T00:00:00Z"}
    ).json()

    assert [t["balance_after"] for t in everything["results"]] == [4200, 4000, 5000]
    assert [t["kind"] for t in withdrawals["results"]] == ["WITHDRAWAL"]
    assert future["results"] == []
    assert everything["next"] is None  # one page; pages go by position (?before=), not number


def test_transactions_show_only_the_callers_own(customer_client, merchant):
    funded_wallet(merchant, 5000)

    assert customer_client.get("/api/v1/wallet/transactions").json()["results"] == []


def test_transactions_reject_bad_filters(customer_client):
    response = customer_client.get(
        "/api/v1/wallet/transactions", {"kind": "THEFT", "created_after": "yesterday"}
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind", "created_after"}


def test_transactions_page_by_cursor_through_a_long_history(customer, customer_client):
    funded_wallet(customer, 1)
    for n in range(2, 26):
        deposit(customer_client, n)

    first = customer_client.get("/api/v1/wallet/transactions").json()
    second = customer_client.get(first["next"]).json()

    assert "count" not in first  # no COUNT(*): the history may be millions long
    assert len(first["results"]) == 20 and len(second["results"]) == 5
    amounts = [t["amount"] for t in first["results"] + second["results"]]
    assert amounts == list(range(25, 0, -1))  # newest first, nothing twice, nothing lost
    assert second["next"] is None
