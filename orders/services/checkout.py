"""Placing an order: one transaction that checks the cart and writes the order,
its stock moves and, for a wallet order, the payment to the merchants.

Rows no other checkout touches come first (the order and its lines, the
buyer's wallet, a clearing shard picked at random, the codes taken with SKIP
LOCKED); the stock, which every sale of a product must update, comes last, in
one conditional UPDATE per product that runs after everything the request
writes, the Idempotency-Key's answer included (core.transactions.last_write):
a popular product's stock row is held for that statement and the COMMIT."""

import functools
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection
from django.utils import timezone

from accounts.locks import user_qs_for_update
from accounts.models import User
from catalog.models import Product, ProductCode
from catalog.services import StockMove, codes_take, stock_take
from core.bulk import insert_together
from core.exceptions import ApplicationError
from core.money import format_money
from core.transactions import atomic_unless_whole, last_write
from orders.discounts import exhausted
from orders.errors import OrderErrorCode
from orders.events import ORDER_FULFILLED, ORDER_PAID, order_events
from orders.limits import MAX_LINES, MAX_QUANTITY
from orders.models import DiscountRedemption, Order, OrderEvent, OrderItem
from orders.services.delivery import deliver, delivers_everything
from orders.services.discounts import discount_apply, discount_count, is_second_use
from orders.services.receipts import order_receipt_due
from orders.services.settlement import merchant_shares
from orders.state import order_initial_status
from wallets.errors import WalletErrorCode
from wallets.services.proceeds import proceeds_credit_locked, sale_wallets_lock

S = Order.Status


def _merge_lines(items: list[dict]) -> dict:
    if len(items) > MAX_LINES:
        raise ApplicationError(
            f"At most {MAX_LINES} lines per order.",
            code=OrderErrorCode.INVALID,
            extra={"errors": {"items": [f"At most {MAX_LINES} lines per order."]}},
        )
    quantities: dict = {}
    for line in items:
        quantities[line["product_id"]] = quantities.get(line["product_id"], 0) + line["quantity"]
    too_many = [str(pid) for pid, units in quantities.items() if units > MAX_QUANTITY]
    if too_many:
        raise ApplicationError(
            f"At most {MAX_QUANTITY} units of a product per order.",
            code=OrderErrorCode.INVALID,
            extra={"errors": {"items": [f"Quantity above {MAX_QUANTITY} for {too_many}."]}},
        )
    return quantities


_CART_FIELDS = (
    "id",
    "merchant_id",
    "name",
    "price",
    "currency",
    "delivery_kind",
    "unlimited_stock",
    "codes_low_threshold",
    "stock_buckets",
)


@functools.cache
def _products_on_sale_sql(count: int, vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Product._meta.get_field(name).column) for name in _CART_FIELDS)
    keys = ", ".join(["%s"] * count)
    return (
        f"SELECT {columns} FROM {quote(Product._meta.db_table)} "  # noqa: S608
        f"WHERE id IN ({keys}) AND is_active = %s AND deleted_at IS NULL"
    )


def _load_products(*, buyer: User, quantities: dict) -> dict:
    # A raw statement whose text is made once per number of lines: on the
    # checkout's path, building this query's SQL costs the ORM more than
    # running it. The stock's own statement checks the product again, last.
    key = Product._meta.pk
    params = [key.get_db_prep_value(pid, connection) for pid in quantities] + [True]
    sql = _products_on_sale_sql(len(quantities), connection.vendor)
    products = {p.pk: p for p in Product.objects.raw(sql, params)}
    missing = [str(pid) for pid in quantities if pid not in products]
    if missing:
        raise ApplicationError(
            f"These products do not exist or are no longer sold: {', '.join(missing)}.",
            code=OrderErrorCode.PRODUCT_UNAVAILABLE,
            extra={"product_ids": missing},
        )
    if len({p.currency for p in products.values()}) > 1:
        raise ApplicationError(
            "All products of an order must share one currency.",
            code=OrderErrorCode.MIXED_CURRENCY,
            status=422,
        )
    own = [str(p.pk) for p in products.values() if p.merchant_id == buyer.pk]
    if own:
        raise ApplicationError(
            "Merchants cannot buy their own products.",
            code=OrderErrorCode.OWN_PRODUCT,
            status=422,
            extra={"product_ids": own},
        )
    return products


def order_place(
    *, buyer: User, items: list[dict], payment_method: str, discount_code: str = ""
) -> Order:
    """Check out a cart in one transaction.

    WALLET: pays at once (order PAID). CARD: reserves the stock until
    RESERVATION_TTL_SECONDS (order PAYMENT_PENDING), and holds the discount
    code's redemption with it. Raises, writing nothing: product_unavailable /
    discount_invalid (400), mixed_currency / own_product (422),
    insufficient_funds / insufficient_stock / discount_exhausted (409).
    """
    quantities = _merge_lines(items)
    products = _load_products(buyer=buyer, quantities=quantities)
    currency = next(iter(products.values())).currency
    order = Order(buyer=buyer, payment_method=payment_method, currency=currency)
    lines = [
        OrderItem(
            order=order,
            product_id=pid,
            merchant_id=products[pid].merchant_id,
            name=products[pid].name,
            unit_price=products[pid].price,
            quantity=units,
        )
        for pid, units in quantities.items()
    ]
    order.total = sum(line.subtotal for line in lines)
    redemption = (
        discount_apply(order=order, lines=lines, code=discount_code) if discount_code else None
    )
    cart = _Cart(products, quantities)
    if payment_method == Order.PaymentMethod.WALLET:
        return _place_wallet_order(order, lines, cart, redemption)
    return _place_card_order(order, lines, cart, redemption)


class _Cart:
    """The products of a checkout as read at its start, and their quantities."""

    def __init__(self, products: dict, quantities: dict):
        self.products, self.quantities = products, quantities
        self.names = {pid: p.name for pid, p in products.items()}
        self.kinds = {pid: p.delivery_kind for pid, p in products.items()}

    def take_stock_last(self, order: Order, move: StockMove, redemption, events=()) -> None:
        """The contended rows, at the very end: the stock (with the merchants'
        events, in commit order), then the discount code's count (the order the
        cancel and expiry paths lock them in)."""

        def take() -> None:
            stock_take(
                products=self.products,
                quantities=self.quantities,
                move=move,
                actor=order.buyer,
                reference=f"order:{order.pk}",
                names=self.names,
                with_events=events,
            )
            if redemption is not None:
                discount_count(redemption)

        last_write(take)


def _insert_order(order: Order, lines: list[OrderItem], path: list[str], redemption) -> None:
    events = order_initial_status(order, path, order.buyer)
    if path[-1] == S.FULFILLED:
        events[-1].reason = "delivered"
    redemptions = []
    if redemption is not None:
        held = order.payment_method == Order.PaymentMethod.CARD
        redemption.state = (
            DiscountRedemption.State.HELD if held else DiscountRedemption.State.REDEEMED
        )
        redemptions.append(redemption)
    # One statement for them all: the lines come last, as the deliveries need
    # their keys. A second use of a once-per-customer code waits here on the
    # partial unique index until the first commits, then fails.
    try:
        insert_together(
            (Order, [order]),
            (OrderEvent, events),
            (DiscountRedemption, redemptions),
            (OrderItem, lines),
        )
    except IntegrityError as exc:
        if redemption is None or not is_second_use(exc):
            raise
        raise exhausted("You have already used this discount code.") from exc
    # The lines in hand are the order's lines: order.items.all() needs no query
    # (what prefetch_related leaves behind: a queryset whose results are known).
    items = OrderItem.objects.filter(order=order)
    items._result_cache, items._prefetch_done = lines, True
    order._prefetched_objects_cache = {"items": items}


@atomic_unless_whole
def _place_wallet_order(order, lines, cart: _Cart, redemption) -> Order:
    path = [S.CREATED, S.PAYMENT_PENDING, S.PAID]
    if delivers_everything(lines, cart.kinds):
        path.append(S.FULFILLED)
    order_receipt_due(order)
    _insert_order(order, lines, path, redemption)

    # The buyer's wallet and a clearing shard, never a merchant's wallet: the
    # merchants' money is pending until the settlement task moves it.
    buyer_wallet, clearing = sale_wallets_lock(
        payer={"owner_id": order.buyer_id}, currency=order.currency
    )
    if buyer_wallet.balance < order.total:
        raise ApplicationError(
            f"Insufficient funds: the order is {format_money(order.total, order.currency)} and "
            f"your wallet holds {format_money(buyer_wallet.balance, order.currency)}.",
            code=WalletErrorCode.INSUFFICIENT_FUNDS,
            status=409,
            extra={"balance": buyer_wallet.balance, "total": order.total},
        )
    events = order_events(order, lines, ORDER_PAID, status=S.PAID)
    if order.status == S.FULFILLED:
        events += order_events(order, lines, ORDER_FULFILLED)
    proceeds_credit_locked(
        payer=buyer_wallet,
        clearing=clearing,
        shares=merchant_shares(lines),
        reference=f"order:{order.pk}",
        created_by=order.buyer,
    )
    deliver(order, lines, cart.kinds, reserved=False)
    cart.take_stock_last(order, StockMove.SELL, redemption, events)
    return order


def _check_reservation_cap(buyer: User) -> None:
    """One account may not hoard stock with unpaid card orders.

    The buyer's row is locked first, so two card checkouts of one buyer count in
    turn. Card checkouts lock no wallets, and nothing else locks user rows while
    holding other locks, so this comes before the global order without deadlock.
    """
    user_qs_for_update().filter(pk=buyer.pk).first()
    open_reservations = Order.objects.filter(
        buyer=buyer, status=S.PAYMENT_PENDING, payment_method=Order.PaymentMethod.CARD
    ).count()
    if open_reservations >= settings.MAX_OPEN_RESERVATIONS:
        raise ApplicationError(
            f"You already hold {open_reservations} unpaid card orders; pay or cancel one first.",
            code=OrderErrorCode.TOO_MANY_RESERVATIONS,
            status=429,
            extra={"limit": settings.MAX_OPEN_RESERVATIONS},
        )


@atomic_unless_whole
def _place_card_order(order, lines, cart: _Cart, redemption) -> Order:
    _check_reservation_cap(order.buyer)
    order.reserved_until = timezone.now() + timedelta(seconds=settings.RESERVATION_TTL_SECONDS)
    _insert_order(order, lines, [S.CREATED, S.PAYMENT_PENDING], redemption)
    # The order holds its very codes while the card is charged; expiry or a
    # cancel gives them back.
    code_lines = [
        line for line in lines if cart.kinds[line.product_id] == Product.DeliveryKind.CODES
    ]
    codes_take(lines=code_lines, state=ProductCode.State.RESERVED)
    cart.take_stock_last(order, StockMove.RESERVE, redemption)
    return order
