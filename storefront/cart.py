"""The storefront cart: {product id: quantity} in the session, nothing in the
database until "Place order" hands it to order_place."""

import uuid
from dataclasses import dataclass

from catalog.models import Product
from orders.limits import MAX_LINES, MAX_QUANTITY

SESSION_KEY = "cart"


@dataclass(frozen=True)
class CartLine:
    product_id: str
    name: str
    unit_price: int
    currency: str
    quantity: int
    available: int

    @property
    def subtotal(self) -> int:
        return self.unit_price * self.quantity


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
            available=MAX_QUANTITY if product.unlimited_stock else product.stock.available,
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
