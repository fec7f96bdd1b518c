"""Discount codes: a merchant creates and deactivates them; a checkout counts a
redemption in its own transaction, a paid card order makes it final and a
cancelled one gives it back.

Lock order: a discount row comes last, after wallets → stock → orders. The
checkout raises its counter with one conditional UPDATE as its last
statement before COMMIT, so the row every buyer of a popular code updates is
held for as short a time as possible; nothing locks a discount row and then
waits for another lock.
"""

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from accounts.models import User
from catalog.models import Product
from core.exceptions import ApplicationError
from orders.discounts import Line, discount_amounts, discount_check, discount_find, exhausted
from orders.errors import OrderErrorCode
from orders.models import Discount, DiscountRedemption, Order, OrderItem

R = DiscountRedemption.State


def discount_create(*, merchant: User, product_ids=(), **fields) -> Discount:
    """A new code. discount_invalid (400) if the code is taken (in any case) or
    a product is not the merchant's; the model's CHECKs back the other rules."""
    products = list(
        Product.objects.filter(pk__in=list(product_ids), merchant=merchant, deleted_at__isnull=True)
    )
    if len(products) != len(set(product_ids)):
        raise ApplicationError(
            "Choose only your own products.", code=OrderErrorCode.DISCOUNT_INVALID, status=400
        )
    discount = Discount(merchant=merchant, applies_to_all=not products, **fields)
    try:
        with transaction.atomic():
            discount.save()
            discount.products.set(products)
    except IntegrityError as exc:
        if "code" not in str(exc).lower():
            raise
        raise ApplicationError(
            "That code is taken; choose another.",
            code=OrderErrorCode.DISCOUNT_INVALID,
            status=400,
            extra={"errors": {"code": ["That code is taken; choose another."]}},
        ) from exc
    return discount


def discount_deactivate(*, discount: Discount) -> Discount:
    """Stop the code being used; redemptions already held stay. Idempotent."""
    Discount.objects.filter(pk=discount.pk).update(is_active=False)
    discount.is_active = False
    return discount


def discount_apply(*, order: Order, lines: list[OrderItem], code: str) -> DiscountRedemption:
    """Take the code's discount off the unsaved order and its lines (each
    line's `discount`, the order's total) and return the unsaved redemption
    to insert with them. Raises discount_invalid (400) / discount_exhausted
    (409) as orders.discounts does; counts nothing yet (discount_count)."""
    discount = discount_find(code=code, buyer=order.buyer)
    discount_check(discount, currency=order.currency)
    views = [Line(line.product_id, line.merchant_id, line.gross) for line in lines]
    amounts = discount_amounts(discount, views, currency=order.currency)
    for line, amount in zip(lines, amounts, strict=True):
        line.discount = amount
    order.discount = sum(amounts)
    order.discount_code = discount.code
    order.total -= order.discount
    return DiscountRedemption(
        discount=discount,
        order=order,
        customer=order.buyer,
        amount=order.discount,
        once_per_customer=discount.once_per_customer,
    )


def is_second_use(exc: IntegrityError) -> bool:
    """The once-per-customer constraint refused the redemption (PostgreSQL names
    it; SQLite names its columns)."""
    text = str(exc)
    return "orders_redemption_once_per_customer" in text or "discountredemption" in text


def discount_count(redemption: DiscountRedemption) -> None:
    """Count the redemption: one conditional UPDATE, the row locked until
    COMMIT, so call it last. discount_exhausted (409) when the code ran out
    (or was deactivated) since it was read: the caller's transaction rolls
    back and nothing is redeemed."""
    counted = (
        Discount.objects.filter(pk=redemption.discount_id, is_active=True)
        .filter(Q(max_redemptions__isnull=True) | Q(redeemed__lt=F("max_redemptions")))
        .update(redeemed=F("redeemed") + 1)
    )
    if not counted:
        raise exhausted()


def discount_redemption_finalise(*, order: Order) -> None:
    """A card order was paid: its held redemption is final."""
    if order.discount_code:
        DiscountRedemption.objects.filter(order=order, state=R.HELD).update(state=R.REDEEMED)


def discount_redemption_release(*, order: Order) -> None:
    """A card order was cancelled before it was paid (by the buyer or by its
    reservation's expiry): its redemption is released and the code's count
    given back. The caller holds the order's lock, so this runs once."""
    if not order.discount_code:
        return
    released = DiscountRedemption.objects.filter(order=order, state=R.HELD).update(state=R.RELEASED)
    if released:
        Discount.objects.filter(redemptions__order=order).update(redeemed=F("redeemed") - 1)
