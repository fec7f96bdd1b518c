"""The storefront cart: {product id: quantity} in the session, nothing in the
database until "Place order" hands it to order_place."""

import uuid
from dataclasses import dataclass, replace

from accounts.models import User
from catalog.models import Product
from core.exceptions import ApplicationError
from orders.discounts import Line, discount_preview
from orders.limits import MAX_LINES, MAX_QUANTITY

SESSION_KEY = "cart"
DISCOUNT_KEY = "cart_discount"


@dataclass(frozen=True)
class CartLine:
    product_id: str
    name: str
    unit_price: int
    currency: str
    quantity: int
    available: int
    merchant_id: object = None
    discount: int = 0
    delivery_kind: str = Product.DeliveryKind.MANUAL

    @property
    def gross(self) -> int:
        return self.unit_price * self.quantity

    @property
    def subtotal(self) -> int:
        return self.gross - self.discount


def _stored(session) -> dict[str, int]:
    return dict(session.get(SESSION_KEY, {}))


def cart_count(session) -> int:
    return sum(_stored(session).values())


def cart_set(session, *, product_id, quantity: int) -> None:
    """Set a line's quantity (0 removes it), within MAX_QUANTITY and MAX_LINES."""
    cart = _stored(session)
    key = str(product_id)
    if quantity <= 0:
        cart.pop(key, None)
    elif key in cart or len(cart) < MAX_LINES:
        cart[key] = min(quantity, MAX_QUANTITY)
    session[SESSION_KEY] = cart


def cart_add(session, *, product_id, quantity: int) -> None:
    cart_set(
        session, product_id=product_id, quantity=_stored(session).get(str(product_id), 0) + quantity
    )


def cart_clear(session) -> None:
    session.pop(SESSION_KEY, None)
    session.pop(DISCOUNT_KEY, None)


def cart_discount_code(session) -> str:
    return session.get(DISCOUNT_KEY, "")


def cart_discount_set(session, *, typed: str) -> None:
    if typed:
        session[DISCOUNT_KEY] = typed
    else:
        session.pop(DISCOUNT_KEY, None)


def cart_discounted(lines: list[CartLine], *, code: str, buyer: User) -> list[CartLine]:
    """The lines with what the code takes off each, as the checkout would
    compute it; raises the checkout's discount_invalid / discount_exhausted."""
    amounts = discount_preview(
        code=code,
        buyer=buyer,
        lines=[Line(line.product_id, line.merchant_id, line.gross) for line in lines],
        currency=lines[0].currency,
    )
    return [replace(line, discount=amount) for line, amount in zip(lines, amounts, strict=True)]


def cart_with_discount(session, lines: list[CartLine], buyer: User):
    """(lines, the code's refusal message or "") for the session's code; a code
    that no longer applies is taken out of the cart."""
    code = cart_discount_code(session)
    if not code or not lines:
        return lines, ""
    try:
        return cart_discounted(lines, code=code, buyer=buyer), ""
    except ApplicationError as refused:
        cart_discount_set(session, typed="")
        return lines, refused.message


def cart_lines(session) -> tuple[list[CartLine], list[str]]:
    """The lines whose products are still sold, with today's price and stock, and
    the names of products that stopped being sold (they leave the cart)."""
    cart = _stored(session)
    products = Product.objects.filter(
        pk__in=list(cart), is_active=True, deleted_at__isnull=True
    ).select_related("stock")
    lines = [
        CartLine(
            product_id=str(product.pk),
            name=product.name,
            unit_price=product.price,
            currency=product.currency,
            quantity=cart[str(product.pk)],
            # Unlimited downloads: as many as one order may hold.
            available=MAX_QUANTITY if product.unlimited_stock else product.stock_counts.available,
            merchant_id=product.merchant_id,
            delivery_kind=product.delivery_kind,
        )
        for product in products
    ]
    dropped: list[str] = []
    if len(lines) != len(cart):
        kept = {line.product_id for line in lines}
        gone = [pid for pid in cart if pid not in kept]
        dropped = sorted(Product.objects.filter(pk__in=gone).values_list("name", flat=True))
        session[SESSION_KEY] = {line.product_id: line.quantity for line in lines}
    return sorted(lines, key=lambda line: line.name), dropped


def cart_order_items(lines: list[CartLine]) -> list[dict]:
    return [{"product_id": uuid.UUID(line.product_id), "quantity": line.quantity} for line in lines]
