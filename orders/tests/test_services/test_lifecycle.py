from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from core.exceptions import ApplicationError
from orders.models import Order, OrderEvent
from orders.services import (
    order_cancel,
    order_fulfill,
    order_mark_paid,
    order_refund_to_wallet,
    order_release_expired,
    order_transition,
)
from orders.state import TRANSITIONS
from orders.tasks import release_expired_reservations_task
from orders.tests.factories import place_order
from wallets.models import Wallet
from wallets.selectors import wallet_balances
from wallets.tests.factories import funded_wallet, pending_of, settle_proceeds
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db
S = Order.Status
CARD = Order.PaymentMethod.CARD


def _stock(product):
    stock = Stock.objects.get(pk=product.pk)
    return stock.available, stock.reserved, stock.sold


def _balance(user):
    return wallet_balances(user=user, currency="USD").available


@pytest.fixture
def buyer():
    user = UserFactory()
    funded_wallet(user, 100_000)
    return user


@pytest.fixture
def product():
    return ProductFactory(price=1000, stock=10)


# --- the transition table ---------------------------------------------------------

ALLOWED = {(f, t) for f, targets in TRANSITIONS.items() for t in targets}
ALL_PAIRS = [(f, t) for f in S.values for t in S.values]


def test_transition_table_is_the_documented_machine():
    assert ALLOWED == {
        (S.CREATED, S.PAYMENT_PENDING),
        (S.CREATED, S.CANCELLED),
        (S.PAYMENT_PENDING, S.PAID),
        (S.PAYMENT_PENDING, S.CANCELLED),
        (S.PAID, S.FULFILLED),
        (S.PAID, S.REFUNDED),
        (S.FULFILLED, S.REFUNDED),
        (S.PAID, S.DISPUTED),
        (S.FULFILLED, S.DISPUTED),
        (S.DISPUTED, S.PAID),
        (S.DISPUTED, S.FULFILLED),
        (S.DISPUTED, S.CHARGEBACK),
    }


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_transition_is_allowed_or_refused_by_the_table(buyer, product, current, target):
    order = place_order(buyer, [(product, 1)], method=CARD)
    Order.objects.filter(pk=order.pk).update(status=current)
    events_before = OrderEvent.objects.filter(order=order).count()

    if (current, target) in ALLOWED:
        order_transition(order=order, to=target, actor=buyer, reason="test")
        order.refresh_from_db()
        assert order.status == target
        event = OrderEvent.objects.filter(order=order).last()
        assert (event.from_status, event.to_status, event.actor) == (current, target, buyer)
    else:
        with pytest.raises(ApplicationError) as refused:
            order_transition(order=order, to=target, actor=buyer)
        assert (refused.value.code, refused.value.status) == ("invalid_transition", 409)
        order.refresh_from_db()
        assert order.status == current
        assert OrderEvent.objects.filter(order=order).count() == events_before


# --- card orders: mark_paid and cancel ------------------------------------------------


def test_mark_paid_sells_the_reserved_units_and_owes_merchants_pending_proceeds(buyer, product):
    order = place_order(buyer, [(product, 3)], method=CARD)

    order = order_mark_paid(order=order)

    assert order.status == S.PAID
    assert order.reserved_until is None
    assert _stock(product) == (7, 0, 3)
    assert (_balance(product.merchant), pending_of(product.merchant)) == (0, 3000)
    funding = Wallet.objects.get(system_name="card_funding", currency="USD")
    assert funding.balance == -3000
    assert OrderEvent.objects.filter(order=order).last().actor is None
    assert ledger_violations() == []


def test_mark_paid_twice_changes_nothing_the_second_time(buyer, product):
    order = place_order(buyer, [(product, 3)], method=CARD)

    order_mark_paid(order=order)
    again = order_mark_paid(order=order)

    assert again.status == S.PAID
    assert pending_of(product.merchant) == 3000
    assert _stock(product) == (7, 0, 3)


def test_cancel_releases_the_reservation(buyer, product):
    order = place_order(buyer, [(product, 4)], method=CARD)

    order = order_cancel(order=order, actor=buyer, reason="changed my mind")

    assert order.status == S.CANCELLED
    assert _stock(product) == (10, 0, 0)
    assert OrderEvent.objects.filter(order=order).last().reason == "changed my mind"


def test_cancel_twice_is_a_no_op(buyer, product):
    order = place_order(buyer, [(product, 4)], method=CARD)

    order_cancel(order=order, actor=buyer)
    order_cancel(order=order, actor=buyer)

    assert _stock(product) == (10, 0, 0)
    assert OrderEvent.objects.filter(order=order, to_status=S.CANCELLED).count() == 1


def test_mark_paid_after_cancel_is_a_no_op_that_reports_cancelled(buyer, product):
    order = place_order(buyer, [(product, 4)], method=CARD)
    order_cancel(order=order, actor=buyer)

    result = order_mark_paid(order=order)

    assert result.status == S.CANCELLED
    assert _stock(product) == (10, 0, 0)
    assert not Wallet.objects.filter(owner=product.merchant, balance__gt=0).exists()


def test_paid_order_cannot_be_cancelled(buyer, product):
    order = place_order(buyer, [(product, 1)])

    with pytest.raises(ApplicationError) as refused:
        order_cancel(order=order, actor=buyer)

    assert refused.value.code == "invalid_transition"


# --- expiry ------------------------------------------------------------------------------


def test_expired_reservations_are_released_and_fresh_ones_kept(buyer, product):
    expired = place_order(buyer, [(product, 2)], method=CARD)
    fresh = place_order(buyer, [(product, 3)], method=CARD)
    Order.objects.filter(pk=expired.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))

    released = order_release_expired()

    assert released == 1
    expired.refresh_from_db()
    fresh.refresh_from_db()
    assert (expired.status, fresh.status) == (S.CANCELLED, S.PAYMENT_PENDING)
    assert _stock(product) == (7, 3, 0)
    event = expired.events.last()
    assert (event.actor, event.reason) == (None, "reservation expired")


def test_expiry_skips_an_order_paid_meanwhile(buyer, product):
    order = place_order(buyer, [(product, 2)], method=CARD)
    order_mark_paid(order=order)
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timedelta(hours=1))

    assert order_release_expired() == 0
    order.refresh_from_db()
    assert order.status == S.PAID


def _expired_card_order(buyer, product):
    order = place_order(buyer, [(product, 1)], method=CARD)
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timedelta(1))
    return order


def test_expiry_task_releases_reservations(buyer, product):
    _expired_card_order(buyer, product)
    _expired_card_order(buyer, product)

    assert release_expired_reservations_task() == 2
    assert _stock(product) == (10, 0, 0)


def test_expiry_command_releases_reservations(buyer, product, capsys):
    _expired_card_order(buyer, product)

    call_command("release_expired_reservations")

    assert "Released 1 expired reservation" in capsys.readouterr().out
    assert not Order.objects.filter(status=S.PAYMENT_PENDING).exists()


def test_expiry_runs_every_minute_on_beat(settings):
    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["orders.tasks.release_expired_reservations_task"] == 60.0


# --- fulfil and refund ----------------------------------------------------------------------


def test_fulfil_moves_paid_to_fulfilled(buyer, product):
    order = place_order(buyer, [(product, 1)])

    assert order_fulfill(order=order, actor=product.merchant).status == S.FULFILLED


def test_refund_pays_the_buyer_back_and_returns_stock(buyer, product):
    order = place_order(buyer, [(product, 2)])
    order_fulfill(order=order, actor=product.merchant)

    order = order_refund_to_wallet(order=order, actor=product.merchant, reason="code did not work")

    assert order.status == S.REFUNDED
    assert order.refunded_amount == order.total == 2000
    assert _balance(buyer) == 100_000
    assert _balance(product.merchant) == 0
    assert _stock(product) == (10, 0, 0)
    assert ledger_violations() == []


def test_refund_twice_is_refused_and_pays_nothing_more(buyer, product):
    order = place_order(buyer, [(product, 2)])
    order_refund_to_wallet(order=order, actor=product.merchant)

    with pytest.raises(ApplicationError) as refused:
        order_refund_to_wallet(order=order, actor=product.merchant)

    assert refused.value.code == "invalid_transition"
    assert _balance(buyer) == 100_000


def test_refund_fails_whole_when_the_merchant_already_withdrew(buyer, product):
    from wallets.services import wallet_withdraw

    order = place_order(buyer, [(product, 2)])
    settle_proceeds()
    wallet_withdraw(user=product.merchant, amount=1500, currency="USD")

    with pytest.raises(ApplicationError) as refused:
        order_refund_to_wallet(order=order, actor=product.merchant)

    assert refused.value.code == "insufficient_funds"
    order.refresh_from_db()
    assert order.status == S.PAID
    assert _stock(product) == (8, 0, 2)


def test_refund_of_a_multi_merchant_order_takes_back_from_each(buyer):
    first = ProductFactory(merchant=MerchantFactory(), price=700)
    second = ProductFactory(merchant=MerchantFactory(), price=300)
    order = place_order(buyer, [(first, 1), (second, 2)])

    order_refund_to_wallet(order=order, actor=UserFactory(role="ADMIN"))

    assert _balance(first.merchant) == _balance(second.merchant) == 0
    assert _balance(buyer) == 100_000
