import uuid

import pytest

from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Order
from payments.models import Checkout, Payment
from payments.tests.factories import card_order, pay_order
from wallets.models import Wallet
from wallets.tests.factories import funded_wallet, pending_of, settle_proceeds
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


def key():
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


def _balance(user):
    wallet = Wallet.objects.filter(owner=user, currency="USD").first()
    return wallet.balance if wallet else 0


@pytest.fixture
def buyer():
    return UserFactory()


@pytest.fixture
def product():
    return ProductFactory(price=3000, stock=5)


# --- POST /orders/{id}/pay and GET /payments/{id} ----------------------------------------------


def test_paying_an_order_by_card_answers_202_with_the_payment(
    buyer, product, django_capture_on_commit_callbacks
):
    order = card_order(buyer, product)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(buyer).post(
            f"/api/v1/orders/{order.pk}/pay", {"card_token": "tok_flaky"}, **key()
        )

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["amount"], body["currency"]) == ("PENDING", 3000, "USD")
    assert body["attempts"] == []
    payment = client_for(buyer).get(f"/api/v1/payments/{body['id']}").json()
    assert payment["status"] == "SUCCEEDED"
    assert [a["outcome"] for a in payment["attempts"]] == [
        "transient_error",
        "transient_error",
        "succeeded",
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_paying_a_paid_order_is_409_already_paid(
    buyer, product, django_capture_on_commit_callbacks
):
    order = card_order(buyer, product)
    pay_order(order, "tok_visa", django_capture_on_commit_callbacks)

    response = client_for(buyer).post(
        f"/api/v1/orders/{order.pk}/pay", {"card_token": "tok_visa"}, **key()
    )

    assert response.status_code == 409
    assert response.json()["code"] == "already_paid"


def test_paying_while_a_payment_runs_is_409_payment_in_progress(buyer, product):
    order = card_order(buyer, product)
    client = client_for(buyer)
    # No on-commit capture: the task is never sent, so the payment stays PENDING.
    client.post(f"/api/v1/orders/{order.pk}/pay", {"card_token": "tok_visa"}, **key())

    response = client.post(f"/api/v1/orders/{order.pk}/pay", {"card_token": "tok_visa"}, **key())

    assert response.status_code == 409
    assert response.json()["code"] == "payment_in_progress"
    assert Payment.objects.count() == 1


def test_only_the_buyer_pays_and_wallet_orders_cannot_be_paid_by_card(buyer, product):
    funded_wallet(buyer, 10_000)
    from orders.tests.factories import place_order

    card = card_order(buyer, product)
    wallet_order = place_order(buyer, [(product, 1)])

    assert (
        client_for(product.merchant)
        .post(f"/api/v1/orders/{card.pk}/pay", {"card_token": "tok_visa"}, **key())
        .status_code
        == 403
    )
    assert (
        client_for(UserFactory())
        .post(f"/api/v1/orders/{card.pk}/pay", {"card_token": "tok_visa"}, **key())
        .status_code
        == 404
    )
    assert (
        client_for(buyer)
        .post(f"/api/v1/orders/{wallet_order.pk}/pay", {"card_token": "tok_visa"}, **key())
        .json()["code"]
        == "already_paid"
    )
    assert client_for(buyer).post(f"/api/v1/orders/{card.pk}/pay", {}, **key()).status_code == 400
    assert (
        client_for(buyer)
        .post(f"/api/v1/orders/{card.pk}/pay", {"card_token": "tok_visa"})
        .status_code
        == 400
    )


def test_payment_is_visible_to_payer_merchant_and_admin_only(
    buyer, product, django_capture_on_commit_callbacks
):
    payment = pay_order(card_order(buyer, product), "tok_visa", django_capture_on_commit_callbacks)
    url = f"/api/v1/payments/{payment.pk}"

    for viewer in (buyer, product.merchant, AdminFactory()):
        assert client_for(viewer).get(url).status_code == 200
    for stranger in (UserFactory(), MerchantFactory()):
        assert client_for(stranger).get(url).status_code == 404


# --- card refunds through POST /orders/{id}/refund -----------------------------------------------


@pytest.fixture
def paid_card_order(buyer, product, django_capture_on_commit_callbacks):
    order = card_order(buyer, product, 2)
    pay_order(order, "tok_visa", django_capture_on_commit_callbacks)
    return order


def test_full_card_refund_reverses_ledger_stock_and_order(paid_card_order, product):
    response = client_for(product.merchant).post(
        f"/api/v1/orders/{paid_card_order.pk}/refund", {"reason": "not delivered"}, **key()
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["refunded_amount"]) == ("REFUNDED", 6000)
    payment = Payment.objects.get(order=paid_card_order)
    assert (payment.status, payment.refunded_amount) == ("REFUNDED", 6000)
    assert _balance(product.merchant) == 0
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.sold) == (5, 0)
    assert ledger_violations() == []


def test_partial_card_refunds_never_exceed_what_was_paid(paid_card_order, product):
    client = client_for(product.merchant)
    url = f"/api/v1/orders/{paid_card_order.pk}/refund"

    first = client.post(url, {"amount": 2000}, **key())
    too_much = client.post(url, {"amount": 4001}, **key())
    rest = client.post(url, {"amount": 4000}, **key())
    after = client.post(url, {"amount": 1}, **key())

    assert (first.status_code, first.json()["status"], first.json()["refunded_amount"]) == (
        200,
        "PAID",
        2000,
    )
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "refund_too_large"
    assert (rest.status_code, rest.json()["status"]) == (200, "REFUNDED")
    assert (after.status_code, after.json()["refundable"]) == (422, 0)
    payment = Payment.objects.get(order=paid_card_order)
    assert (payment.status, payment.refunded_amount) == ("REFUNDED", 6000)
    assert ledger_violations() == []


def test_a_replayed_card_refund_refunds_once(paid_card_order, product):
    client = client_for(product.merchant)
    headers = key()

    client.post(f"/api/v1/orders/{paid_card_order.pk}/refund", {"amount": 1000}, **headers)
    replay = client.post(f"/api/v1/orders/{paid_card_order.pk}/refund", {"amount": 1000}, **headers)

    assert replay["Idempotent-Replayed"] == "true"
    assert Payment.objects.get(order=paid_card_order).refunded_amount == 1000


def test_card_refund_goes_through_stripe(
    buyer, product, fake_stripe, django_capture_on_commit_callbacks
):
    order = card_order(buyer, product)
    pay_order(order, "tok_visa", django_capture_on_commit_callbacks)

    client_for(product.merchant).post(
        f"/api/v1/orders/{order.pk}/refund", {"amount": 1000}, **key()
    )

    refund = next(iter(fake_stripe.refunds.values()))
    assert refund["amount"] == 1000
    assert refund["payment_intent"] == Payment.objects.get(order=order).gateway_reference


# --- deposits by card --------------------------------------------------------------------------


def _deposit(client, token, amount=5000, **headers):
    return client.post(
        "/api/v1/wallet/deposit",
        {"amount": amount, "currency": "USD", "card_token": token},
        format="json",
        **(headers or key()),
    )


def test_card_deposit_charges_then_credits_from_card_funding(buyer):
    response = _deposit(client_for(buyer), "tok_visa")

    assert response.status_code == 201
    assert response.json()["balance_after"] == 5000
    payment = Payment.objects.get(purpose="TOPUP")
    assert (payment.status, payment.payer) == ("SUCCEEDED", buyer)
    assert Wallet.objects.get(system_name="card_funding").balance == -5000
    assert ledger_violations() == []


def test_declined_card_deposit_is_402_and_credits_nothing(buyer):
    response = _deposit(client_for(buyer), "tok_chargeDeclined")

    assert response.status_code == 402
    assert response.json()["code"] == "card_declined"
    assert _balance(buyer) == 0


def test_replayed_card_deposit_charges_once(buyer):
    headers = key()

    _deposit(client_for(buyer), "tok_visa", **headers)
    replay = _deposit(client_for(buyer), "tok_visa", **headers)

    assert replay["Idempotent-Replayed"] == "true"
    assert Payment.objects.filter(purpose="TOPUP").count() == 1
    assert _balance(buyer) == 5000


def test_stripe_card_deposit_waits_for_the_webhook_with_202(buyer, fake_stripe):
    response = _deposit(client_for(buyer), "tok_processing")

    assert response.status_code == 202
    assert response.json()["status"] == "PROCESSING"
    assert _balance(buyer) == 0


# --- merchants' checkouts ----------------------------------------------------------------------


def _create_checkout(merchant, key_value="order-1001", amount=1500, **extra):
    return client_for(merchant).post(
        "/api/v1/checkouts",
        {"amount": amount, "currency": "USD", "description": "Invoice 1001", **extra},
        HTTP_IDEMPOTENCY_KEY=key_value,
    )


def test_creating_a_checkout_twice_with_one_key_returns_the_same_checkout(merchant):
    first = _create_checkout(merchant)
    second = _create_checkout(merchant)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["status"] == "PENDING"
    assert Checkout.objects.count() == 1


def test_the_key_may_come_in_the_body(merchant):
    response = client_for(merchant).post(
        "/api/v1/checkouts", {"amount": 100, "idempotency_key": "body-key"}
    )

    assert response.status_code == 201
    assert Checkout.objects.get().idempotency_key == "body-key"


def test_checkout_key_reused_for_another_amount_is_422(merchant):
    _create_checkout(merchant)

    response = _create_checkout(merchant, amount=9999)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


def test_checkout_needs_a_key_and_a_merchant(merchant, customer_client):
    no_key = client_for(merchant).post("/api/v1/checkouts", {"amount": 100})

    assert no_key.status_code == 400
    assert no_key.json()["code"] == "idempotency_key_required"
    assert customer_client.post("/api/v1/checkouts", {"amount": 100}, **key()).status_code == 403


def test_card_payment_completes_the_checkout_and_owes_the_merchant_pending_proceeds(
    merchant, buyer, django_capture_on_commit_callbacks
):
    checkout_id = _create_checkout(merchant).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        paid = client_for(buyer).post(
            f"/api/v1/checkouts/{checkout_id}/pay",
            {"payment_method": "CARD", "card_token": "tok_visa"},
            **key(),
        )

    assert paid.status_code == 202
    body = client_for(buyer).get(f"/api/v1/checkouts/{checkout_id}").json()
    assert body["status"] == "COMPLETED"
    assert body["merchant"]["id"] == str(merchant.pk)
    assert (_balance(merchant), pending_of(merchant)) == (0, 1500)
    settle_proceeds()
    assert (_balance(merchant), pending_of(merchant)) == (1500, 0)
    assert ledger_violations() == []


def test_wallet_payment_moves_money_from_payer_to_merchant(
    merchant, buyer, django_capture_on_commit_callbacks
):
    funded_wallet(buyer, 2000)
    checkout_id = _create_checkout(merchant).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        client_for(buyer).post(
            f"/api/v1/checkouts/{checkout_id}/pay", {"payment_method": "WALLET"}, **key()
        )

    assert Checkout.objects.get(pk=checkout_id).status == "COMPLETED"
    assert (_balance(buyer), pending_of(merchant)) == (500, 1500)


def test_wallet_payment_without_funds_fails_the_checkout(
    merchant, buyer, django_capture_on_commit_callbacks
):
    checkout_id = _create_checkout(merchant).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        client_for(buyer).post(
            f"/api/v1/checkouts/{checkout_id}/pay", {"payment_method": "WALLET"}, **key()
        )

    assert Checkout.objects.get(pk=checkout_id).status == "FAILED"
    assert Payment.objects.get().failure_code == "insufficient_funds"


def test_paying_a_completed_checkout_is_409(merchant, buyer, django_capture_on_commit_callbacks):
    checkout_id = _create_checkout(merchant).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        client_for(buyer).post(
            f"/api/v1/checkouts/{checkout_id}/pay",
            {"payment_method": "CARD", "card_token": "tok_visa"},
            **key(),
        )

    again = client_for(UserFactory()).post(
        f"/api/v1/checkouts/{checkout_id}/pay",
        {"payment_method": "CARD", "card_token": "tok_visa"},
        **key(),
    )

    assert again.status_code == 409
    assert again.json()["code"] == "already_paid"


def test_a_failed_checkout_can_be_paid_again(merchant, buyer, django_capture_on_commit_callbacks):
    checkout_id = _create_checkout(merchant).json()["id"]
    pay = {"payment_method": "CARD", "card_token": "tok_chargeDeclined"}
    with django_capture_on_commit_callbacks(execute=True):
        client_for(buyer).post(f"/api/v1/checkouts/{checkout_id}/pay", pay, **key())
    assert Checkout.objects.get(pk=checkout_id).status == "FAILED"

    with django_capture_on_commit_callbacks(execute=True):
        client_for(buyer).post(
            f"/api/v1/checkouts/{checkout_id}/pay", {**pay, "card_token": "tok_visa"}, **key()
        )

    assert Checkout.objects.get(pk=checkout_id).status == "COMPLETED"


def test_checkout_pay_validation(merchant, buyer):
    checkout_id = _create_checkout(merchant).json()["id"]
    url = f"/api/v1/checkouts/{checkout_id}/pay"

    assert client_for(buyer).post(url, {"payment_method": "CARD"}, **key()).status_code == 400
    assert client_for(buyer).post(url, {"payment_method": "CASH"}, **key()).status_code == 400
    own = client_for(merchant).post(url, {"payment_method": "WALLET"}, **key())
    assert (own.status_code, own.json()["code"]) == (422, "own_checkout")
    assert (
        client_for(buyer).get("/api/v1/checkouts/00000000-0000-0000-0000-000000000000").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("header", "field"),
    [("x" * 256, None), (None, "x" * 256), (None, "tab\there"), (None, "clé")],
)
def test_a_checkout_key_breaking_the_shared_key_rules_is_400(merchant, header, field):
    body = {"amount": 1500} | ({"idempotency_key": field} if field is not None else {})
    extra = {"HTTP_IDEMPOTENCY_KEY": header} if header is not None else {}

    response = client_for(merchant).post("/api/v1/checkouts", body, format="json", **extra)

    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key_invalid")
    assert not Checkout.objects.exists()
