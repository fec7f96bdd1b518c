from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from accounts.tests.factories import MerchantFactory
from catalog.tests.factories import ProductFactory
from core.exceptions import ApplicationError
from orders.discounts import allocate
from orders.models import Discount, DiscountRedemption, Order
from orders.services import (
    order_cancel,
    order_mark_paid,
    order_refund_to_wallet,
    order_release_expired,
)
from orders.services.discounts import discount_deactivate
from orders.tests.factories import make_discount, place_order
from wallets.models import Proceeds
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db
R = DiscountRedemption.State


def _refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as refused:
        call()
    return refused.value


def test_allocate_sums_exactly_and_gives_leftover_units_to_largest_remainders():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(7, [300, 200, 500]) == [2, 1, 4]
    assert sum(allocate(999, [13, 7, 1, 1000])) == 999


def test_percent_code_discounts_each_line_and_the_total(buyer):
    merchant = MerchantFactory()
    first = ProductFactory(merchant=merchant, price=333)
    second = ProductFactory(merchant=merchant, price=1000)
    make_discount(merchant, percent_off=15)

    order = place_order(buyer, [(first, 1), (second, 2)], code="save10")

    # 15 % of 2,333 is 349.95, rounded down: 349, shared 333 : 2,000.
    lines = {item.product_id: item for item in order.items.all()}
    assert (lines[first.pk].discount, lines[second.pk].discount) == (50, 299)
    assert (order.discount, order.total, order.discount_code) == (349, 1984, "SAVE10")
    redemption = DiscountRedemption.objects.get(order=order)
    assert (redemption.amount, redemption.state) == (349, R.REDEEMED)
    assert Discount.objects.get().redeemed == 1
    assert sum(p.amount for p in Proceeds.objects.filter(reference=f"order:{order.pk}")) == 1984
    assert ledger_violations() == []


def test_code_of_merchant_a_leaves_merchant_b_lines_untouched(buyer):
    a_product = ProductFactory(price=2000)
    b_product = ProductFactory(price=3000)
    make_discount(a_product.merchant, amount_off=500)

    order = place_order(buyer, [(a_product, 1), (b_product, 1)], code="SAVE10")

    lines = {item.product_id: item for item in order.items.all()}
    assert (lines[a_product.pk].discount, lines[b_product.pk].discount) == (500, 0)
    assert order.total == 4500
    owed = dict(
        Proceeds.objects.filter(reference=f"order:{order.pk}").values_list("merchant", "amount")
    )
    assert owed == {a_product.merchant_id: 1500, b_product.merchant_id: 3000}


def test_code_for_chosen_products_discounts_only_those(buyer):
    merchant = MerchantFactory()
    chosen, other = ProductFactory(merchant=merchant), ProductFactory(merchant=merchant)
    make_discount(merchant, percent_off=50, product_ids=[chosen.pk])

    order = place_order(buyer, [(chosen, 1), (other, 1)], code="SAVE10")

    assert {i.product_id: i.discount for i in order.items.all()} == {chosen.pk: 500, other.pk: 0}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ends_at": timezone.now() - timedelta(days=1)}, "expired"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "not valid yet"),
        ({"min_subtotal": 5000}, "needs"),
        ({"amount_off": 500, "currency": "EUR"}, "EUR"),
        ({"percent_off": 100}, "free"),
    ],
)
def test_a_code_that_cannot_apply_is_discount_invalid_and_writes_nothing(buyer, fields, message):
    product = ProductFactory(price=1000)
    make_discount(product.merchant, **fields)

    refused = _refused(lambda: place_order(buyer, [(product, 1)], code="SAVE10"))

    assert (refused.code, refused.status) == ("discount_invalid", 400)
    assert message in refused.message
    assert not Order.objects.exists()
    assert Discount.objects.get().redeemed == 0


def test_unknown_code_and_another_merchants_code_are_discount_invalid(buyer):
    product = ProductFactory()
    make_discount(MerchantFactory())

    for code in ("NOPE", "SAVE10"):
        refused = _refused(lambda code=code: place_order(buyer, [(product, 1)], code=code))
        assert (refused.code, refused.status) == ("discount_invalid", 400)


def test_deactivated_code_is_discount_invalid(buyer):
    product = ProductFactory()
    discount_deactivate(discount=make_discount(product.merchant))

    refused = _refused(lambda: place_order(buyer, [(product, 1)], code="SAVE10"))
    assert refused.code == "discount_invalid"


def test_exhausted_code_is_409_discount_exhausted(buyer):
    product = ProductFactory()
    make_discount(product.merchant, max_redemptions=1)
    place_order(buyer, [(product, 1)], code="SAVE10")

    refused = _refused(lambda: place_order(buyer, [(product, 1)], code="SAVE10"))

    assert (refused.code, refused.status) == ("discount_exhausted", 409)
    assert Order.objects.count() == 1


def test_once_per_customer_code_is_refused_the_second_time(buyer):
    product = ProductFactory()
    make_discount(product.merchant, once_per_customer=True)
    place_order(buyer, [(product, 1)], code="SAVE10")

    refused = _refused(lambda: place_order(buyer, [(product, 1)], code="SAVE10"))

    assert (refused.code, refused.status) == ("discount_exhausted", 409)


def test_a_refused_checkout_redeems_nothing(customer):
    product = ProductFactory()
    make_discount(product.merchant, max_redemptions=5)

    refused = _refused(lambda: place_order(customer, [(product, 1)], code="SAVE10"))

    assert refused.code == "insufficient_funds"
    assert Discount.objects.get().redeemed == 0
    assert not DiscountRedemption.objects.exists()


def test_card_order_holds_the_redemption_and_payment_makes_it_final(buyer):
    product = ProductFactory()
    make_discount(product.merchant, max_redemptions=1)

    order = place_order(buyer, [(product, 1)], method="CARD", code="SAVE10")
    assert DiscountRedemption.objects.get().state == R.HELD
    order_mark_paid(order=order)

    assert DiscountRedemption.objects.get().state == R.REDEEMED
    assert Discount.objects.get().redeemed == 1


def test_expired_card_reservation_frees_the_redemption(buyer):
    product = ProductFactory()
    make_discount(product.merchant, max_redemptions=1)
    place_order(buyer, [(product, 1)], method="CARD", code="SAVE10")

    assert order_release_expired(now=timezone.now() + timedelta(days=1)) == 1

    assert DiscountRedemption.objects.get().state == R.RELEASED
    assert Discount.objects.get().redeemed == 0
    place_order(buyer, [(product, 1)], code="SAVE10")  # usable again


def test_cancelled_card_order_frees_the_redemption_once(buyer):
    product = ProductFactory()
    make_discount(product.merchant, max_redemptions=2, once_per_customer=True)
    order = place_order(buyer, [(product, 1)], method="CARD", code="SAVE10")

    order_cancel(order=order, actor=buyer)
    order_cancel(order=order, actor=buyer)

    assert Discount.objects.get().redeemed == 0
    place_order(buyer, [(product, 1)], code="SAVE10")  # once per customer, but freed


def test_wallet_refund_of_a_discounted_order_gives_back_what_was_paid(buyer):
    product = ProductFactory(price=1000)
    make_discount(product.merchant, percent_off=25)
    order = place_order(buyer, [(product, 2)], code="SAVE10")

    order = order_refund_to_wallet(order=order, actor=None)

    assert (order.total, order.refunded_amount) == (1500, 1500)
    assert buyer.wallets.get().balance == 100_000
    assert ledger_violations() == []


def test_database_refuses_a_redemption_past_max_redemptions():
    discount = make_discount(MerchantFactory(), max_redemptions=1)
    Discount.objects.filter(pk=discount.pk).update(redeemed=1)

    with pytest.raises(IntegrityError):
        Discount.objects.filter(pk=discount.pk).update(redeemed=2)


def test_code_text_is_unique_in_any_case():
    make_discount(MerchantFactory(), code="Summer")

    refused = _refused(lambda: make_discount(MerchantFactory(), code="SUMMER"))

    assert refused.code == "discount_invalid"
