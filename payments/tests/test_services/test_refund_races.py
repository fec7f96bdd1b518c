"""Refunds under concurrency, on PostgreSQL with real threads and connections."""

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from conftest import run_in_threads
from core.exceptions import ApplicationError
from orders.services import order_place
from payments import gateways
from payments.models import Payment, PaymentRefund
from payments.services import payment_create_for_order, refund_order
from wallets.models import Wallet
from wallets.services import wallet_withdraw
from wallets.tests.factories import settle_proceeds
from wallets.verification import ledger_violations

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _paid_card_sale(price: int):
    product = ProductFactory(price=price)
    buyer = UserFactory()
    order = order_place(
        buyer=buyer, items=[{"product_id": product.pk, "quantity": 1}], payment_method="CARD"
    )
    # transaction=True: on_commit runs at once, and the eager task charges the card.
    payment_create_for_order(order=order, payer=buyer, card_token="tok_visa")
    order.refresh_from_db()
    assert order.status == "PAID"
    settle_proceeds()  # the sale's money is the merchant's to withdraw
    return order, product.merchant


def _refund_in_full(order, merchant):
    return refund_order(order=order, amount=None, actor=merchant)


def _withdraw_all(order, merchant):
    return wallet_withdraw(user=merchant, amount=order.total, currency=order.currency)


def test_a_refund_racing_a_withdrawal_of_the_same_money_never_both_succeed(monkeypatch):
    sent_to_gateway = []
    real_refund = gateways.SimulatedGateway.refund

    def spy(gateway, *, payment, refund):
        sent_to_gateway.append(refund.pk)
        return real_refund(gateway, payment=payment, refund=refund)

    monkeypatch.setattr(gateways.SimulatedGateway, "refund", spy)

    for _ in range(6):
        order, merchant = _paid_card_sale(2000)
        sent_to_gateway.clear()

        refund, withdrawal = run_in_threads(
            lambda job, order, merchant: job(order, merchant),
            [(_refund_in_full, order, merchant), (_withdraw_all, order, merchant)],
        )

        refused = [r for r in (refund, withdrawal) if isinstance(r, ApplicationError)]
        assert [r.code for r in refused] == ["insufficient_funds"], (refund, withdrawal)
        if isinstance(refund, ApplicationError):
            assert sent_to_gateway == []
            assert not PaymentRefund.objects.filter(payment__order=order).exists()
        else:
            assert refund.status == "SUCCEEDED" and sent_to_gateway == [refund.pk]
        assert Wallet.objects.get(owner=merchant).balance == 0
    assert ledger_violations() == []


def test_parallel_full_refunds_of_one_order_refund_it_once():
    order, merchant = _paid_card_sale(3000)

    results = run_in_threads(_refund_in_full, [(order, merchant)] * 8)

    succeeded = [r for r in results if isinstance(r, PaymentRefund)]
    assert len(succeeded) == 1
    assert {r.code for r in results if isinstance(r, ApplicationError)} <= {
        "refund_too_large",
        "not_payable",
        "invalid_transition",
    }
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refunded_amount) == ("REFUNDED", 3000)
    assert ledger_violations() == []
