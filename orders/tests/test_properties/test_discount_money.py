"""Random carts and codes (Hypothesis): whatever a code takes off, money stays
exact. For every order, what its merchants received and what was refunded is
never more than what the buyer paid, and the books verify."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from core.exceptions import ApplicationError
from orders.models import Order
from orders.tests.factories import make_discount, place_order
from payments.models import Payment
from payments.services import payment_create_for_order, refund_order
from wallets.models import Proceeds, Wallet
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db

lines = st.lists(
    st.tuples(
        st.integers(0, 2),  # which merchant
        st.integers(1, 50_000),  # unit price, minor units
        st.integers(1, 5),  # quantity
    ),
    min_size=1,
    max_size=5,
)
codes = st.fixed_dictionaries(
    {
        "off": st.one_of(
            st.fixed_dictionaries({"percent_off": st.integers(1, 100)}),
            st.fixed_dictionaries({"amount_off": st.integers(1, 100_000)}),
        ),
        "chosen": st.booleans(),
        "min_subtotal": st.one_of(st.none(), st.integers(1, 50_000)),
    }
)
# Each refund asked: None, the rest; else that percent of what was paid.
refunds = st.lists(st.one_of(st.none(), st.integers(1, 100)), max_size=3)


def _received(merchants) -> int:
    """What the merchants hold for the sale: their wallets and pending proceeds."""
    held = sum(Wallet.objects.filter(owner__in=merchants).values_list("balance", flat=True))
    pending = Proceeds.objects.filter(merchant__in=merchants, settled_at__isnull=True)
    return held + sum(pending.values_list("amount", flat=True))


def _sale(cart, code, method, capture):
    merchants = [MerchantFactory() for _ in range(3)]
    products = [
        ProductFactory(merchant=merchants[m], price=price, stock=10) for m, price, _ in cart
    ]
    quantities = [q for _, _, q in cart]
    chosen = [p.pk for p in products if p.merchant == merchants[0]][:1] if code["chosen"] else []
    make_discount(
        merchants[0],
        code="PROP",
        min_subtotal=code["min_subtotal"],
        product_ids=chosen,
        **code["off"],
    )
    buyer = UserFactory()
    funded_wallet(buyer, 10**9)
    try:
        order = place_order(buyer, list(zip(products, quantities, strict=True)), method, "prop")
    except ApplicationError as refused:
        assert refused.code in ("discount_invalid", "discount_exhausted")
        return None, merchants
    if method == Order.PaymentMethod.CARD:
        with capture(execute=True):
            payment_create_for_order(order=order, payer=buyer, card_token="tok_visa")
        order.refresh_from_db()
    return order, merchants


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cart=lines, code=codes, card=st.booleans(), asked=refunds)
def test_merchants_and_refunds_never_get_more_than_the_buyer_paid(
    django_capture_on_commit_callbacks, cart, code, card, asked
):
    method = Order.PaymentMethod.CARD if card else Order.PaymentMethod.WALLET
    with transaction.atomic():
        order, merchants = _sale(cart, code, method, django_capture_on_commit_callbacks)
        if order is not None:
            items = list(order.items.all())
            assert sum(item.discount for item in items) == order.discount
            assert order.total == sum(item.gross for item in items) - order.discount > 0
            assert all(0 <= item.discount <= item.gross for item in items)
            paid = order.total
            if card:
                assert Payment.objects.get(order=order).amount == paid
            for percent in asked:
                amount = None if percent is None or not card else -(-paid * percent // 100)
                try:
                    with transaction.atomic():
                        refund_order(order=order, amount=amount, actor=None)
                except ApplicationError:
                    pass  # more than is left, a part of several merchants' order  # too much, partial of several merchants, or already refunded
                order.refresh_from_db()
                assert order.refunded_amount <= paid
            if card and order.refunded_amount < paid:
                with pytest.raises(ApplicationError):  # never more than was paid
                    refund_order(order=order, amount=paid - order.refunded_amount + 1, actor=None)
            assert _received(merchants) + order.refunded_amount <= paid
            assert ledger_violations() == []
        transaction.set_rollback(True)
