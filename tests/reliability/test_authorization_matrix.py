"""Every API endpoint × every kind of caller: the status each one gets.

Another user's objects answer 404 (their existence never shows) or 403 where
the caller may see the object but not act on it; a refusal never carries data.
"""

import uuid

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.tests.factories import place_order
from payments.services import checkout_create, payment_create_for_order
from wallets.tests.factories import funded_wallet, settle_proceeds

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "customer", "other_customer", "owner_merchant", "other_merchant", "admin"]


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    customer, other_customer = UserFactory(), UserFactory()
    owner, other_merchant, admin = MerchantFactory(), MerchantFactory(), AdminFactory()
    funded_wallet(customer, 100_000)
    product = ProductFactory(merchant=owner, price=1000, stock=50)
    paid_order = place_order(customer, [(product, 1)])
    pending_order = place_order(customer, [(product, 1)], method="CARD")
    paid_card_order = place_order(customer, [(product, 1)], method="CARD")
    with django_capture_on_commit_callbacks(execute=True):
        payment = payment_create_for_order(
            order=paid_card_order, payer=customer, card_token="tok_visa"
        )
    checkout, _ = checkout_create(
        merchant=owner, idempotency_key="matrix", amount=500, currency="USD"
    )
    settle_proceeds()  # the owner's sales are available, to withdraw
    users = {
        "customer": customer,
        "other_customer": other_customer,
        "owner_merchant": owner,
        "other_merchant": other_merchant,
        "admin": admin,
    }
    ids = {
        "product": product.pk,
        "paid": paid_order.pk,
        "pending": pending_order.pk,
        "payment": payment.pk,
        "checkout": checkout.pk,
    }
    return users, ids


def row(method, path, body=None, *, key=False, **expected):
    statuses = expected.pop("all", None)
    table = {role: statuses for role in ROLES} if statuses else {}
    table.update(expected)
    assert set(table) == set(ROLES), path
    return pytest.param(method, path, body, key, table, id=f"{method} {path}")


ANON = {"anonymous": 401}
MATRIX = [
    row(
        "get",
        "/auth/me",
        **ANON,
        customer=200,
        other_customer=200,
        owner_merchant=200,
        other_merchant=200,
        admin=200,
    ),
    row("get", "/products", all=200),
    row("get", "/products/{product}", all=200),
    row(
        "post",
        "/products",
        {"name": "New", "price": 100, "stock": 1},
        **ANON,
        customer=403,
        other_customer=403,
        owner_merchant=201,
        other_merchant=201,
        admin=403,
    ),
    row(
        "get",
        "/products/mine",
        **ANON,
        customer=403,
        other_customer=403,
        owner_merchant=200,
        other_merchant=200,
        admin=403,
    ),
    row(
        "patch",
        "/products/{product}",
        {"price": 1200},
        **ANON,
        customer=403,
        other_customer=403,
        owner_merchant=200,
        other_merchant=403,
        admin=200,
    ),
    row(
        "delete",
        "/products/{product}",
        **ANON,
        customer=403,
        other_customer=403,
        owner_merchant=204,
        other_merchant=403,
        admin=204,
    ),
    row(
        "get",
        "/inventory",
        **ANON,
        customer=403,
        other_customer=403,
        owner_merchant=403,
        other_merchant=403,
        admin=200,
    ),
    row(
        "get",
        "/inventory/{product}",
        **ANON,
        customer=403,
        other_customer=403,
        owner_merchant=200,
        other_merchant=403,
        admin=200,
    ),
    row(
        "patch",
        "/inventory/{product}",
        {"adjust": 1},
        **ANON,
        customer=403,
        other_customer=403,
        owner_merchant=200,
        other_merchant=403,
        admin=200,
    ),
    row(
        "get",
        "/inventory/{product}/movements",
        **ANON,
        customer=403,
        other_customer=403,
        owner_merchant=200,
        other_merchant=403,
        admin=200,
    ),
    row(
        "get",
        "/wallet",
        **ANON,
        customer=200,
        other_customer=200,
        owner_merchant=200,
        other_merchant=200,
        admin=200,
    ),
    row(
        "get",
        "/wallet/transactions",
        **ANON,
        customer=200,
        other_customer=200,
        owner_merchant=200,
        other_merchant=200,
        admin=200,
    ),
    row(
        "post",
        "/wallet/deposit",
        {"amount": 500, "card_token": "tok_visa"},
        key=True,
        **ANON,
        customer=201,
        other_customer=201,
        owner_merchant=201,
        other_merchant=201,
        admin=201,
    ),
    row(
        "post",
        "/wallet/withdraw",
        {"amount": 500},
        key=True,
        **ANON,
        customer=201,
        other_customer=409,
        owner_merchant=201,
        other_merchant=409,
        admin=409,
    ),
    row(
        "post",
        "/orders",
        {"items": [{"product_id": "{product}", "quantity": 1}], "payment_method": "WALLET"},
        key=True,
        **ANON,
        customer=201,
        other_customer=409,
        owner_merchant=422,
        other_merchant=409,
        admin=409,
    ),
    row(
        "get",
        "/orders",
        **ANON,
        customer=200,
        other_customer=200,
        owner_merchant=200,
        other_merchant=200,
        admin=200,
    ),
    row(
        "get",
        "/orders/sales",
        **ANON,
        customer=403,
        other_customer=403,
        owner_merchant=200,
        other_merchant=200,
        admin=403,
    ),
    row(
        "get",
        "/orders/{paid}",
        **ANON,
        customer=200,
        other_customer=404,
        owner_merchant=200,
        other_merchant=404,
        admin=200,
    ),
    row(
        "get",
        "/orders/{paid}/events",
        **ANON,
        customer=200,
        other_customer=404,
        owner_merchant=200,
        other_merchant=404,
        admin=200,
    ),
    row(
        "post",
        "/orders/{pending}/cancel",
        **ANON,
        customer=200,
        other_customer=404,
        owner_merchant=403,
        other_merchant=404,
        admin=200,
    ),
    row(
        "post",
        "/orders/{paid}/fulfill",
        **ANON,
        customer=403,
        other_customer=404,
        owner_merchant=200,
        other_merchant=404,
        admin=200,
    ),
    row(
        "post",
        "/orders/{paid}/refund",
        key=True,
        **ANON,
        customer=403,
        other_customer=404,
        owner_merchant=200,
        other_merchant=404,
        admin=200,
    ),
    row(
        "post",
        "/orders/{pending}/pay",
        {"card_token": "tok_visa"},
        key=True,
        **ANON,
        customer=202,
        other_customer=404,
        owner_merchant=403,
        other_merchant=404,
        admin=403,
    ),
    row(
        "get",
        "/payments/{payment}",
        **ANON,
        customer=200,
        other_customer=404,
        owner_merchant=200,
        other_merchant=404,
        admin=200,
    ),
    row(
        "post",
        "/checkouts",
        {"amount": 100},
        key=True,
        **ANON,
        customer=403,
        other_customer=403,
        owner_merchant=201,
        other_merchant=201,
        admin=403,
    ),
    row(
        "get",
        "/checkouts/{checkout}",
        **ANON,
        customer=200,
        other_customer=200,
        owner_merchant=200,
        other_merchant=200,
        admin=200,
    ),
    row(
        "post",
        "/checkouts/{checkout}/pay",
        {"payment_method": "CARD", "card_token": "tok_visa"},
        key=True,
        **ANON,
        customer=202,
        other_customer=202,
        owner_merchant=422,
        other_merchant=202,
        admin=202,
    ),
]


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(("method", "path", "body", "key", "expected"), MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(world, role, method, path, body, key, expected):
    users, ids = world
    client = APIClient() if role == "anonymous" else client_for(users[role])
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if key else {}

    response = getattr(client, method)(
        f"/api/v1{_fill(path, ids)}", _fill(body, ids), format="json", **headers
    )

    assert response.status_code == expected[role], response.content[:300]
    if response.status_code in (401, 403, 404):
        assert set(response.json()) == {"code", "detail"}


def test_lists_show_only_the_callers_rows(world):
    users, ids = world
    for role in ("other_customer", "other_merchant"):
        client = client_for(users[role])
        assert client.get("/api/v1/orders").json()["results"] == []
        assert client.get("/api/v1/wallet/transactions").json()["results"] == []
    assert client_for(users["other_merchant"]).get("/api/v1/orders/sales").json()["count"] == 0
    assert client_for(users["other_merchant"]).get("/api/v1/products/mine").json()["count"] == 0
    sales = client_for(users["owner_merchant"]).get("/api/v1/orders/sales").json()
    assert sales["count"] == 3
