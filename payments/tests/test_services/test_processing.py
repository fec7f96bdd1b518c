from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.services import order_release_expired
from payments import gateways
from payments.models import Payment, PaymentAttempt
from payments.services import payment_process, payment_reconcile_stuck
from payments.tasks import process_payment_task
from payments.tests.factories import card_order, pay_order
from wallets.selectors import wallet_balances
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    return UserFactory()


@pytest.fixture
def product():
    return ProductFactory(price=2500, stock=5)


def _merchant_balance(product):
    """What the sale owes the merchant: pending until it settles."""
    balances = wallet_balances(user=product.merchant, currency=product.currency)
    return balances.available + balances.pending


@pytest.mark.parametrize(
    ("token", "status", "outcomes", "order_status"),
    [
        ("tok_visa", "SUCCEEDED", ["succeeded"], "PAID"),
        ("tok_flaky", "SUCCEEDED", ["transient_error", "transient_error", "succeeded"], "PAID"),
        ("tok_timeout", "FAILED", ["transient_error"] * 4, "PAYMENT_PENDING"),
        ("tok_chargeDeclined", "FAILED", ["declined"], "PAYMENT_PENDING"),
        ("tok_unknown", "FAILED", ["declined"], "PAYMENT_PENDING"),
    ],
)
def test_each_simulated_token_ends_as_documented(
    buyer, product, django_capture_on_commit_callbacks, token, status, outcomes, order_status
):
    order = card_order(buyer, product, 2)

    payment = pay_order(order, token, django_capture_on_commit_callbacks)

    assert payment.status == status
    assert [a.outcome for a in payment.attempts.all()] == outcomes
    assert [a.number for a in payment.attempts.all()] == list(range(1, len(outcomes) + 1))
    assert all(a.finished_at for a in payment.attempts.all())
    assert order.status == order_status
    assert ledger_violations() == []


def test_success_sells_the_reserved_units_and_pays_the_merchant(
    buyer, product, django_capture_on_commit_callbacks
):
    order = card_order(buyer, product, 2)

    pay_order(order, "tok_visa", django_capture_on_commit_callbacks)

    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.reserved, stock.sold) == (3, 0, 2)
    assert _merchant_balance(product) == 5000


@pytest.mark.parametrize(
    ("token", "code"),
    [("tok_timeout", "retries_exhausted"), ("tok_chargeDeclined", "card_declined")],
)
def test_a_failed_payment_keeps_the_reservation_and_another_card_pays_the_same_order(
    buyer, product, django_capture_on_commit_callbacks, token, code
):
    order = card_order(buyer, product, 2)

    failed = pay_order(order, token, django_capture_on_commit_callbacks)

    assert failed.failure_code == code
    assert order.status == Order.Status.PAYMENT_PENDING
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.reserved) == (3, 2)
    assert _merchant_balance(product) == 0

    paid = pay_order(order, "tok_visa", django_capture_on_commit_callbacks)

    assert paid.pk != failed.pk and paid.status == "SUCCEEDED"
    assert order.status == Order.Status.PAID
    stock.refresh_from_db()
    assert (stock.available, stock.reserved, stock.sold) == (3, 0, 2)
    assert _merchant_balance(product) == 5000
    assert ledger_violations() == []


def test_a_failed_payments_order_is_cancelled_when_its_reservation_expires(
    buyer, product, django_capture_on_commit_callbacks
):
    order = card_order(buyer, product, 2)
    pay_order(order, "tok_chargeDeclined", django_capture_on_commit_callbacks)

    order_release_expired(now=order.reserved_until + timedelta(seconds=1))

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.reserved) == (5, 0)


def test_retry_delays_grow_exponentially_from_the_base(buyer, product, settings):
    settings.PAYMENT_RETRY_BASE_DELAY = 2
    settings.PAYMENT_MAX_RETRIES = 3
    countdowns = []

    def record_retry(countdown, **kwargs):
        countdowns.append(countdown)
        raise Retry()

    with (
        mock.patch("payments.tasks.payment_process", return_value="transient_error"),
        mock.patch.object(process_payment_task, "retry", side_effect=record_retry),
        mock.patch("payments.tasks.payment_fail") as fail,
    ):
        for retries in range(4):
            process_payment_task.apply(args=["any"], retries=retries)

    assert countdowns == [2, 4, 8]
    fail.assert_called_once()
    assert fail.call_args.kwargs["code"] == "retries_exhausted"


def test_a_redelivered_task_does_not_charge_twice(
    buyer, product, fake_stripe, django_capture_on_commit_callbacks
):
    """A worker dies after the gateway answered but before recording it."""
    order = card_order(buyer, product)
    with django_capture_on_commit_callbacks(execute=False):
        from payments.services import payment_create_for_order

        payment = payment_create_for_order(order=order, payer=buyer, card_token="tok_visa")

    with (
        mock.patch(
            "payments.services.processing.payment_succeed", side_effect=SystemExit("worker killed")
        ),
        pytest.raises(SystemExit),
    ):
        payment_process(payment_id=payment.pk)
    redelivered = payment_process(payment_id=payment.pk)
    again = payment_process(payment_id=payment.pk)

    assert (redelivered, again) == ("succeeded", "skipped")
    assert len(fake_stripe.intents) == 1
    keys = {key for path, key in fake_stripe.requests if path == "/v1/payment_intents"}
    assert keys == {f"kassa-payment-{payment.pk}"}
    assert _merchant_balance(product) == 2500
    payment.refresh_from_db()
    assert payment.status == "SUCCEEDED"
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_no_database_transaction_is_open_during_the_gateway_call(buyer, product):
    from django.db import connection

    from payments.services import payment_create_for_order

    in_transaction = []
    real = gateways.SimulatedGateway.charge

    def spy(self, **kwargs):
        in_transaction.append(connection.in_atomic_block)
        return real(self, **kwargs)

    order = card_order(buyer, product)
    with mock.patch("payments.tasks.process_payment_task.apply_async"):
        payment = payment_create_for_order(order=order, payer=buyer, card_token="tok_visa")
    with mock.patch.object(gateways.SimulatedGateway, "charge", spy):
        payment_process(payment_id=payment.pk)

    assert in_transaction == [False]
    payment.refresh_from_db()
    assert payment.status == "SUCCEEDED"


def _pending_payment(buyer, product) -> Payment:
    return Payment.objects.create(
        purpose="ORDER",
        order=card_order(buyer, product),
        payer=buyer,
        amount=2500,
        currency="USD",
        card_token="tok_visa",
    )


def test_reconciler_reenqueues_only_payments_stuck_too_long(
    buyer, product, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENT_STUCK_AFTER_SECONDS = 120
    stuck = _pending_payment(buyer, product)
    _pending_payment(buyer, product)
    Payment.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(minutes=5))

    with (
        mock.patch("payments.tasks.process_payment_task.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        count = payment_reconcile_stuck()

    assert count == 1
    send.assert_called_once_with((str(stuck.pk),), countdown=None)


def test_reconciler_runs_every_minute_on_beat(settings):
    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["payments.tasks.reconcile_stuck_payments_task"] == 60.0


def test_broker_down_leaves_the_payment_pending_for_the_reconciler(
    buyer, product, django_capture_on_commit_callbacks, settings
):
    from payments.services import payment_create_for_order

    order = card_order(buyer, product)
    with (
        mock.patch(
            "payments.tasks.process_payment_task.apply_async",
            side_effect=ConnectionError("broker down"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        payment = payment_create_for_order(order=order, payer=buyer, card_token="tok_visa")

    payment.refresh_from_db()
    assert payment.status == "PENDING"
    settings.PAYMENT_STUCK_AFTER_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert payment_reconcile_stuck(now=timezone.now() + timedelta(seconds=1)) == 1
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == ("SUCCEEDED", Order.Status.PAID)


def test_payment_for_an_order_cancelled_meanwhile_is_refunded(
    buyer, product, django_capture_on_commit_callbacks
):
    from orders.services import order_cancel
    from payments.services import payment_create_for_order, payment_succeed

    order = card_order(buyer, product)
    with django_capture_on_commit_callbacks(execute=False):
        payment = payment_create_for_order(order=order, payer=buyer, card_token="tok_visa")
    order_cancel(order=order, actor=None, reason="reservation expired")

    with django_capture_on_commit_callbacks(execute=True):
        payment_succeed(payment_id=payment.pk, reference="sim_late")

    payment.refresh_from_db()
    assert payment.status == "REFUNDED"
    assert payment.refunds.get().status == "SUCCEEDED"
    assert _merchant_balance(product) == 0
    assert ledger_violations() == []


def test_attempt_rows_record_every_try(buyer, product, django_capture_on_commit_callbacks):
    payment = pay_order(card_order(buyer, product), "tok_flaky", django_capture_on_commit_callbacks)

    attempts = list(PaymentAttempt.objects.filter(payment=payment))
    assert [a.error_message != "" for a in attempts] == [True, True, False]
