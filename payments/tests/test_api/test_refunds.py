"""Card refunds hold the money before the gateway is asked, and never lose it."""

import uuid

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from conftest import client_for
from payments import gateways
from payments.gateways import RefundResult, TransientGatewayError
from payments.models import Outcome, Payment, PaymentRefund
from payments.tasks import refund_send_to_gateway_task
from payments.tests.factories import card_order, pay_order
from wallets.models import Wallet
from wallets.services import wallet_withdraw
from wallets.tests.factories import settle_proceeds
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


class ScriptedRefunds:
    """Stands in for the gateway's refund call: answers from a script, and
    counts the distinct refunds it made (by the gateway idempotency key)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0
        self.made: set[str] = set()

    def __call__(self, *, payment, refund):
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer == "timeout":
            raise TransientGatewayError("simulated refund timeout")
        if answer == "refused":
            return RefundResult(Outcome.DECLINED, "", "The charge was disputed.")
        self.made.add(refund.gateway_idempotency_key)
        return RefundResult(Outcome.SUCCEEDED, f"re_{refund.pk.hex[:12]}")


@pytest.fixture
def refunds(monkeypatch):
    def script(*answers):
        fake = ScriptedRefunds(*answers)
        monkeypatch.setattr(
            gateways.SimulatedGateway, "refund", lambda gateway, **call: fake(**call)
        )
        return fake

    return script


@pytest.fixture
def sale(django_capture_on_commit_callbacks):
    """A card order of 2000, paid: the merchant's wallet holds the 2000."""
    product = ProductFactory(price=2000, stock=5)
    order = card_order(UserFactory(), product)
    pay_order(order, "tok_visa", django_capture_on_commit_callbacks)
    return order, product.merchant


def _refund(merchant, order, key=None, **body):
    return client_for(merchant).post(
        f"/api/v1/orders/{order.pk}/refund",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()),
    )


def _balance(user) -> int:
    return Wallet.objects.get(owner=user, currency="USD").balance


def _held() -> int:
    wallet = Wallet.objects.filter(system_name=Wallet.System.REFUNDS_PENDING).first()
    return wallet.balance if wallet else 0


def test_a_refund_the_merchant_cannot_cover_is_refused_before_the_gateway(sale, refunds):
    order, merchant = sale
    gateway = refunds()
    settle_proceeds()
    wallet_withdraw(user=merchant, amount=2000, currency="USD")

    first = _refund(merchant, order)
    another_key = _refund(merchant, order)

    assert (first.status_code, first.json()["code"]) == (409, "insufficient_funds")
    assert (another_key.status_code, another_key.json()["code"]) == (409, "insufficient_funds")
    assert gateway.calls == 0
    assert not PaymentRefund.objects.exists()
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refunded_amount) == ("SUCCEEDED", 0)
    assert ledger_violations() == []


def test_a_gateway_timeout_holds_the_money_and_the_same_key_resumes_the_refund(
    sale, refunds, django_capture_on_commit_callbacks
):
    order, merchant = sale
    gateway = refunds("timeout", "timeout", "ok")

    with django_capture_on_commit_callbacks() as queued:
        first = _refund(merchant, order, key="refund-1")
    assert (first.status_code, first.json()["code"]) == (503, "gateway_unavailable")
    refund = PaymentRefund.objects.get()
    assert first.json()["refund_id"] == str(refund.pk)
    assert (refund.status, _balance(merchant), _held()) == ("PENDING", 0, 2000)
    assert len(queued) == 1  # the retry task
    assert ledger_violations() == []

    again = _refund(merchant, order, key="refund-1")
    assert (again.status_code, again.json()["refund_id"]) == (503, str(refund.pk))
    assert PaymentRefund.objects.count() == 1

    refund_send_to_gateway_task.delay(str(refund.pk))  # the retry task's run: the gateway answers

    refund.refresh_from_db()
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert refund.status == "SUCCEEDED"
    assert (payment.status, payment.refunded_amount) == ("REFUNDED", 2000)
    assert (order.status, order.refunded_amount) == ("REFUNDED", 2000)
    assert len(gateway.made) == 1  # the buyer got the money back once
    assert (_balance(merchant), _held()) == (0, 0)  # the merchant paid it once
    assert ledger_violations() == []

    replay = _refund(merchant, order, key="refund-1")
    assert (replay.status_code, replay.json()["status"]) == (200, "REFUNDED")
    assert len(gateway.made) == 1


def test_a_pending_refund_counts_against_what_can_still_be_refunded(sale, refunds):
    order, merchant = sale
    refunds("timeout")
    _refund(merchant, order, amount=1500)

    more = _refund(merchant, order, amount=600)

    assert (more.status_code, more.json()["code"]) == (422, "refund_too_large")
    assert (more.json()["refundable"], more.json()["pending"]) == (500, 1500)


def test_a_refund_the_gateway_refuses_gives_the_hold_back(sale, refunds):
    order, merchant = sale
    refunds("refused")

    response = _refund(merchant, order)

    assert (response.status_code, response.json()["code"]) == (409, "refund_failed")
    refund = PaymentRefund.objects.get()
    assert (refund.status, refund.failure_message) == ("FAILED", "The charge was disputed.")
    assert (_balance(merchant), _held()) == (2000, 0)
    assert Payment.objects.get(order=order).refunded_amount == 0
    assert ledger_violations() == []


def test_the_reconciler_sends_refunds_left_pending_again(
    sale, refunds, settings, django_capture_on_commit_callbacks
):
    from payments.services import refund_reconcile_stuck

    order, merchant = sale
    gateway = refunds("timeout", "ok")
    _refund(merchant, order)  # its retry task is not run: as if the broker lost it
    settings.PAYMENT_STUCK_AFTER_SECONDS = 0

    with django_capture_on_commit_callbacks(execute=True):
        assert refund_reconcile_stuck() == 1

    assert PaymentRefund.objects.get().status == "SUCCEEDED"
    assert len(gateway.made) == 1
    assert ledger_violations() == []


def test_the_ledger_check_catches_a_refund_hold_that_does_not_match(sale, refunds):
    from wallets.verification import verify_ledger

    order, merchant = sale
    refunds("timeout")
    _refund(merchant, order)
    PaymentRefund.objects.update(status="FAILED")  # as if released without moving money

    problems = verify_ledger()["the refunds-pending wallet holds exactly the pending card refunds"]

    assert problems == ["currency USD: refunds pending hold 2000 but pending refunds sum to 0"]


def test_a_second_refund_with_the_key_of_the_first_but_another_amount_is_422(sale, refunds):
    order, merchant = sale
    refunds("timeout")
    _refund(merchant, order, key="k1", amount=500)

    other = _refund(merchant, order, key="k1", amount=700)

    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")


def test_a_refund_task_whose_retries_run_out_leaves_the_refund_held_and_pending(
    sale, refunds, django_capture_on_commit_callbacks
):
    order, merchant = sale
    gateway = refunds("timeout", "timeout", "timeout", "timeout", "timeout")

    with django_capture_on_commit_callbacks(execute=True):
        _refund(merchant, order)

    assert gateway.calls == 5  # the request, then the task: first run and 3 retries
    assert (PaymentRefund.objects.get().status, _held()) == ("PENDING", 2000)
    assert ledger_violations() == []
