"""A wallet order refunded in parts: each part moves through the ledger at once,
and the order becomes REFUNDED (its units taken back) only with the last."""

import pytest
from django.core import mail

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.models import ProductCode, Stock
from catalog.tests.factories import ProductFactory, code_product
from conftest import run_in_threads
from core.exceptions import ApplicationError
from events.models import Event
from orders.models import Order
from orders.services import order_refund_to_wallet
from orders.tests.factories import place_order
from payments.services import refund_order
from wallets.models import Transfer
from wallets.selectors import wallet_balances
from wallets.tests.factories import funded_wallet, pending_of
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db
S = Order.Status


def _available(user):
    return wallet_balances(user=user, currency="USD").available


@pytest.fixture
def buyer():
    user = UserFactory()
    funded_wallet(user, 10_000)
    return user


def test_a_part_goes_back_at_once_and_the_order_stays_paid(buyer):
    product = ProductFactory(price=3000, stock=5)
    order = place_order(buyer, [(product, 1)])
    assert pending_of(product.merchant) == 3000

    order = order_refund_to_wallet(order=order, actor=product.merchant, amount=1000)

    assert (order.status, order.refunded_amount) == (S.PAID, 1000)
    assert _available(buyer) == 10_000 - 3000 + 1000
    # The sale's pending proceeds were settled first, then the part taken back.
    assert (pending_of(product.merchant), _available(product.merchant)) == (0, 2000)
    assert Stock.objects.get(pk=product.pk).sold == 1
    refund = Transfer.objects.get(kind=Transfer.Kind.REFUND)
    assert (refund.amount, refund.reference) == (1000, f"order:{order.pk}")
    assert ledger_violations() == []


def test_the_rest_after_a_part_refunds_the_order_and_takes_the_codes_back(
    buyer, django_capture_on_commit_callbacks
):
    product = code_product(codes=["GIFT-AAAA-1111", "GIFT-BBBB-2222"], price=3000)
    order = place_order(buyer, [(product, 1)])
    order_refund_to_wallet(order=order, actor=product.merchant, amount=1000)
    assert ProductCode.objects.filter(state=ProductCode.State.SOLD).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        order = order_refund_to_wallet(order=order, actor=product.merchant)

    assert (order.status, order.refunded_amount) == (S.REFUNDED, 3000)
    assert _available(buyer) == 10_000
    assert _available(product.merchant) == 0
    assert not ProductCode.objects.filter(state=ProductCode.State.SOLD).exists()
    amounts = [event.data["amount"] for event in Event.objects.filter(type="order.refunded")]
    assert sorted(amounts) == [1000, 2000]
    assert "$20.00 of your order" in mail.outbox[-1].body
    assert ledger_violations() == []


def test_more_than_is_left_is_refused_with_the_most_that_can_still_be_refunded(buyer):
    product = ProductFactory(price=3000)
    order = place_order(buyer, [(product, 1)])
    order_refund_to_wallet(order=order, actor=product.merchant, amount=1000)

    with pytest.raises(ApplicationError) as refused:
        order_refund_to_wallet(order=order, actor=product.merchant, amount=2001)

    assert (refused.value.code, refused.value.status) == ("refund_too_large", 422)
    assert refused.value.message == "At most $20.00 can still be refunded."
    order.refresh_from_db()
    assert order.refunded_amount == 1000
    assert _available(buyer) == 10_000 - 2000
    assert ledger_violations() == []


def test_a_part_of_an_order_of_several_merchants_is_refused(buyer):
    first = ProductFactory(merchant=MerchantFactory(), price=700)
    second = ProductFactory(merchant=MerchantFactory(), price=300)
    order = place_order(buyer, [(first, 1), (second, 1)])

    with pytest.raises(ApplicationError) as refused:
        refund_order(order=order, amount=500, actor=UserFactory(role="ADMIN"))

    assert refused.value.code == "partial_refund_unsupported"
    assert Transfer.objects.filter(kind=Transfer.Kind.REFUND).count() == 0


def test_refund_order_passes_the_amount_of_a_wallet_order_on(buyer):
    product = ProductFactory(price=3000)
    order = place_order(buyer, [(product, 1)])

    assert refund_order(order=order, amount=2500, actor=product.merchant) is None

    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (S.PAID, 2500)
    assert ledger_violations() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_parts_racing_past_the_total_never_both_go_back():
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(price=3000)
    order = place_order(buyer, [(product, 1)])

    results = run_in_threads(
        lambda amount: order_refund_to_wallet(order=order, actor=product.merchant, amount=amount),
        [(2000,), (2000,)],
    )

    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert [r.code for r in refused] == ["refund_too_large"], results
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (S.PAID, 2000)
    assert _available(buyer) == 10_000 - 1000
    assert ledger_violations() == []
