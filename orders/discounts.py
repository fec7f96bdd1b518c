"""What a discount code takes off a cart: the look-up, the rules and the
rounding. Reads only; the checkout counts the redemption
(orders.services.discounts).

Rounding, the one way: the discount is computed once on the subtotal of the
lines it applies to (percent: rounded down to the minor unit, so a buyer never
gets more than the stated percent; an amount: at most that subtotal), then
shared among those lines in proportion to their subtotals by largest
remainder: each line gets the rounded-down share, and the units left over go
one each to the lines with the largest remainders (ties: the line that comes
first). So the lines' discounts sum to the order's exactly.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from core.exceptions import ApplicationError
from core.money import to_major_units
from orders.errors import OrderErrorCode
from orders.models import Discount, DiscountRedemption

HOLDING = [DiscountRedemption.State.HELD, DiscountRedemption.State.REDEEMED]


@dataclass(frozen=True)
class Line:
    """A cart's or an order's line, as far as a discount cares."""

    product_id: object
    merchant_id: object
    gross: int


def invalid(message: str) -> ApplicationError:
    return ApplicationError(message, code=OrderErrorCode.DISCOUNT_INVALID, status=400)


def exhausted(message: str = "This discount code has been used up.") -> ApplicationError:
    return ApplicationError(message, code=OrderErrorCode.DISCOUNT_EXHAUSTED, status=409)


def discount_find(*, code: str, buyer: User) -> Discount:
    """The code's discount (in any case), with `used_by_buyer` and the ids of
    its chosen products; discount_invalid (400) if unknown."""
    code = (code or "").strip()
    found = (
        Discount.objects.annotate(
            used_by_buyer=Exists(
                DiscountRedemption.objects.filter(
                    discount=OuterRef("pk"), customer=buyer, state__in=HOLDING
                )
            )
        )
        .filter(code__iexact=code)
        .first()
        if code
        else None
    )
    if found is None:
        raise invalid("This discount code does not exist.")
    return found


def _eligible(discount: Discount, lines: list[Line]) -> list[int]:
    """Indexes of the lines the discount applies to: its merchant's, and of
    those its chosen products unless it applies to all."""
    own = [i for i, line in enumerate(lines) if line.merchant_id == discount.merchant_id]
    if discount.applies_to_all or not own:
        return own
    chosen = set(
        Discount.products.through.objects.filter(
            discount_id=discount.pk, product_id__in=[lines[i].product_id for i in own]
        ).values_list("product_id", flat=True)
    )
    return [i for i in own if lines[i].product_id in chosen]


def discount_check(discount: Discount, *, currency: str, now=None) -> None:
    """Raises discount_invalid (400) unless the code can be used now, or
    discount_exhausted (409) when its redemptions (or the buyer's one) are gone.
    The checkout's conditional UPDATE is the authority; this refuses early."""
    now = now or timezone.now()
    if not discount.is_active:
        raise invalid("This discount code is no longer valid.")
    if discount.starts_at and now < discount.starts_at:
        raise invalid("This discount code is not valid yet.")
    if discount.ends_at and now >= discount.ends_at:
        raise invalid("This discount code has expired.")
    # An amount, and a minimum, are in the discount's currency.
    if discount.currency and discount.currency != currency:
        raise invalid(f"This discount code is for orders in {discount.currency}.")
    if discount.max_redemptions is not None and discount.redeemed >= discount.max_redemptions:
        raise exhausted()
    if discount.once_per_customer and getattr(discount, "used_by_buyer", False):
        raise exhausted("You have already used this discount code.")


def allocate(total: int, weights: list[int]) -> list[int]:
    """`total` shared in proportion to `weights` by largest remainder; the parts
    sum to `total` exactly."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def discount_amounts(discount: Discount, lines: list[Line], *, currency: str) -> list[int]:
    """Each line's discount (0 for the lines it does not apply to), or
    discount_invalid (400) if it applies to none of them, the eligible subtotal
    is under its minimum, or it would make the order free."""
    eligible = _eligible(discount, lines)
    if not eligible:
        raise invalid("This discount code does not apply to anything in your cart.")
    subtotal = sum(lines[i].gross for i in eligible)
    if discount.min_subtotal and subtotal < discount.min_subtotal:
        minimum = to_major_units(discount.min_subtotal, currency)
        raise invalid(f"This discount code needs {minimum} {currency} of its products.")
    if discount.percent_off is not None:
        total = subtotal * discount.percent_off // 100
    else:
        total = min(discount.amount_off, subtotal)
    if total <= 0:
        raise invalid("This discount code takes nothing off these products.")
    # Free orders are not sold: every order is paid for (a card charge or a
    # ledger transfer of at least one minor unit).
    if total >= sum(line.gross for line in lines):
        raise invalid("This discount code would make the order free, which Kassa cannot sell.")
    amounts = [0] * len(lines)
    for i, part in zip(eligible, allocate(total, [lines[i].gross for i in eligible]), strict=True):
        amounts[i] = part
    return amounts


def discount_preview(*, code: str, buyer: User, lines: list[Line], currency: str) -> list[int]:
    """What the code would take off each line now (the cart shows it); raises as
    the checkout would, but counts nothing."""
    discount = discount_find(code=code, buyer=buyer)
    discount_check(discount, currency=currency)
    return discount_amounts(discount, lines, currency=currency)


def discount_list_for_merchant(*, merchant: User):
    return Discount.objects.filter(merchant=merchant).prefetch_related("products")


def discount_get_managed(*, merchant: User, discount_id) -> Discount:
    """The merchant's own discount; Http404 for anyone else's."""
    return get_object_or_404(Discount, pk=discount_id, merchant=merchant)


def discount_redemption_list(*, merchant: User):
    """Every redemption of the merchant's codes, newest first, for the CSV."""
    return (
        DiscountRedemption.objects.filter(discount__merchant=merchant)
        .select_related("discount", "order", "customer")
        .order_by("-created_at", "-id")
    )
