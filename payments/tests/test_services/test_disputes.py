"""Card disputes in the books: the money held from the merchant (pending, then
available, then debt), the order DISPUTED with its codes withheld, and the
outcome: won gives everything back, lost ends in CHARGEBACK."""

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from catalog.models import ProductCode
from catalog.tests.factories import code_product
from conftest import client_for
from core import crypto
from core.exceptions import ApplicationError
from orders.models import DeliveryAccess, Order
from orders.selectors import order_deliveries
from orders.tests.factories import place_order
from payments.models import Dispute
from payments.services.disputes import dispute_submit_evidence
from payments.services.simulated_disputes import simulated_dispute_close, simulated_dispute_open
from payments.tests.factories import card_order, pay_order
from wallets.models import Wallet
from wallets.selectors import wallet_balances
from wallets.services import wallet_withdraw
from wallets.tests.factories import funded_wallet, settle_proceeds
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db
S = Order.Status


def _balances(user):
    return wallet_balances(user=user, currency="USD")


@pytest.fixture
def paid_code_order(django_capture_on_commit_callbacks):
    """A card order of one code (20.00), paid, delivered and settled."""
    product = code_product(codes=["GIFT-AAAA-1111", "GIFT-BBBB-2222"], price=2000)
    order = card_order(UserFactory(), product)
    payment = pay_order(order, "tok_visa", django_capture_on_commit_callbacks)
    assert order.status == S.FULFILLED
    settle_proceeds()
    return order, payment, product.merchant


def test_an_open_dispute_holds_the_money_and_withholds_the_codes(paid_code_order):
    order, payment, merchant = paid_code_order

    dispute = simulated_dispute_open(payment=payment, outcome="won", close=False)

    order.refresh_from_db()
    assert order.status == S.DISPUTED
    assert _balances(merchant).available == 0
    assert dispute.held == {str(merchant.pk): {"available": 2000, "debt": 0}}
    delivered = order_deliveries(order=order, viewer=order.buyer)
    assert delivered[0]["codes"] == [crypto.mask("GIFT-AAAA-1111")]  # withheld while open
    assert ledger_violations() == []


def test_a_won_dispute_gives_the_money_and_the_codes_back(paid_code_order):
    order, payment, merchant = paid_code_order
    dispute = simulated_dispute_open(payment=payment, outcome="won", close=False)

    dispute = simulated_dispute_close(dispute=dispute, outcome="won")

    order.refresh_from_db()
    assert (dispute.status, order.status) == (Dispute.Status.WON, S.FULFILLED)
    assert _balances(merchant).available == 2000
    assert order_deliveries(order=order, viewer=order.buyer)[0]["codes"] == ["GIFT-AAAA-1111"]
    assert ledger_violations() == []


def test_a_lost_dispute_voids_the_codes_and_the_money_goes_to_the_card_network(
    paid_code_order,
):
    order, payment, merchant = paid_code_order
    funding = Wallet.objects.get(system_name=Wallet.System.CARD_FUNDING, currency="USD")
    dispute = simulated_dispute_open(payment=payment, outcome="lost", close=False)

    simulated_dispute_close(dispute=dispute, outcome="lost")

    order.refresh_from_db()
    funding_before = funding.balance
    funding.refresh_from_db()
    assert order.status == S.CHARGEBACK
    assert _balances(merchant).available == 0
    assert funding.balance - funding_before == 2000  # back to where card money comes from
    assert ProductCode.objects.get(order_item__order=order).state == ProductCode.State.VOIDED
    assert ledger_violations() == []


def test_a_lost_dispute_after_the_merchant_withdrew_everything_leaves_debt_the_next_sale_repays(
    paid_code_order,
):
    order, payment, merchant = paid_code_order
    wallet_withdraw(user=merchant, amount=2000, currency="USD")
    dispute = simulated_dispute_open(payment=payment, outcome="lost", close=False)
    simulated_dispute_close(dispute=dispute, outcome="lost")
    assert dispute.held == {str(merchant.pk): {"available": 0, "debt": 2000}}
    assert (_balances(merchant).available, _balances(merchant).debt) == (0, 2000)

    with pytest.raises(ApplicationError) as refused:
        wallet_withdraw(user=merchant, amount=100, currency="USD")
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = code_product(codes=["MORE-1", "MORE-2", "MORE-3"], merchant=merchant, price=1500)
    for _ in range(2):
        place_order(buyer, [(product, 1)])
    settle_proceeds()

    assert refused.value.code == "merchant_in_debt"
    balances = _balances(merchant)
    assert (balances.debt, balances.available) == (0, 1000)  # 3,000 of sales, 2,000 repaid
    assert wallet_withdraw(user=merchant, amount=1000, currency="USD").balance_after == 0
    assert ledger_violations() == []


def test_a_dispute_won_while_the_merchant_is_still_in_debt_repays_the_debt_first(
    paid_code_order,
):
    order, payment, merchant = paid_code_order
    wallet_withdraw(user=merchant, amount=2000, currency="USD")
    dispute = simulated_dispute_open(payment=payment, outcome="won", close=False)

    simulated_dispute_close(dispute=dispute, outcome="won")

    assert (_balances(merchant).available, _balances(merchant).debt) == (0, 0)
    assert ledger_violations() == []


def test_the_disputed_test_cards_are_paid_disputed_and_decided(django_capture_on_commit_callbacks):
    product = code_product(codes=["W-1", "L-1"], price=1000)
    won = card_order(UserFactory(), product)
    lost = card_order(UserFactory(), product)

    pay_order(won, "tok_dispute_won", django_capture_on_commit_callbacks)
    pay_order(lost, "tok_dispute_lost", django_capture_on_commit_callbacks)

    won.refresh_from_db()
    lost.refresh_from_db()
    assert (won.status, lost.status) == (S.FULFILLED, S.CHARGEBACK)
    assert set(Dispute.objects.values_list("status", flat=True)) == {"WON", "LOST"}
    assert ledger_violations() == []


def test_simulate_dispute_opens_and_closes_a_dispute_of_an_order(paid_code_order):
    order, payment, merchant = paid_code_order

    call_command("simulate_dispute", str(order.pk), "--outcome", "lost", "--now")

    order.refresh_from_db()
    assert order.status == S.CHARGEBACK
    assert payment.disputes.get().status == Dispute.Status.LOST


def test_the_evidence_tells_what_was_sold_and_when_the_buyer_saw_the_codes(paid_code_order):
    order, payment, merchant = paid_code_order
    client_for(order.buyer).get(
        f"/api/v1/orders/{order.pk}/deliveries", HTTP_USER_AGENT="Firefox/140"
    )
    dispute = simulated_dispute_open(payment=payment, outcome="won", close=False)

    submitted = dispute_submit_evidence(dispute=dispute)

    evidence = submitted.evidence
    assert DeliveryAccess.objects.filter(order=order, kind="codes_shown").count() == 1
    assert evidence["customer_email_address"] == order.buyer.email
    assert order.items.get().name in evidence["product_description"]
    assert "codes shown" in evidence["access_activity_log"]
    assert "Firefox/140" in evidence["access_activity_log"]
    assert submitted.evidence_submitted_at is not None
    assert "GIFT-AAAA" not in str(evidence)  # a code is never evidence


def test_the_dashboard_lists_the_merchants_disputes_with_the_deadline_and_submits_evidence(
    paid_code_order,
):
    from django.test import Client

    from accounts.tests.factories import MerchantFactory

    order, payment, merchant = paid_code_order
    dispute = simulated_dispute_open(payment=payment, outcome="won", close=False)
    mine, stranger = Client(), Client()
    mine.force_login(merchant)
    stranger.force_login(MerchantFactory())

    page = mine.get("/dashboard/disputes/").content.decode()
    submitted = mine.post(f"/dashboard/disputes/{dispute.pk}/evidence/")
    theirs = stranger.post(f"/dashboard/disputes/{dispute.pk}/evidence/")

    dispute.refresh_from_db()
    assert "$20.00" in page and "evidence due by" in page and "Submit evidence" in page
    assert submitted.status_code == 302 and dispute.evidence_submitted_at is not None
    assert theirs.status_code == 404
    assert "No disputes." in stranger.get("/dashboard/disputes/").content.decode()
