"""Placing an order: one transaction that checks the cart, takes the locks in
the global order and writes the order, its stock moves and, for a wallet order,
the payment to the merchants."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from accounts.locks import user_qs_for_update
from accounts.models import User
from catalog.locks import stock_lock
from catalog.models import Product, ProductCode
from catalog.services import StockMove, codes_take
from core.bulk import insert_together
from core.exceptions import ApplicationError
from core.money import format_money
from core.transactions import atomic_unless_whole
from events.models import Event
from events.services import events_relay_after_commit
from orders.discounts import exhausted
from orders.errors import OrderErrorCode
from orders.events import ORDER_FULFILLED, ORDER_PAID, order_events
from orders.limits import MAX_LINES, MAX_QUANTITY
from orders.models import DiscountRedemption, Order, OrderEvent, OrderItem
from orders.services.delivery import deliver, delivers_everything
from orders.services.discounts import discount_apply, discount_count, is_second_use
from orders.services.receipts import order_receipt_due
from orders.services.settlement import merchant_shares, move_order_stock
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


def _load_products(*, buyer: User, quantities: dict) -> dict:
    products = {
        p.pk: p
        for p in Product.objects.filter(
            pk__in=quantities, is_active=True, deleted_at__isnull=True
        ).only("pk", "merchant_id", "name", "price", "currency", "delivery_kind")
    }
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


def _lock_stock_for_sale(quantities: dict) -> dict:
    """Lock the stock rows and re-check, under the lock, that every product is still
    sold: one deactivated or deleted since the cart was read fails the checkout."""
    locked = stock_lock(product_ids=quantities)
    gone = [str(pid) for pid, stock in locked.items() if not stock.product.is_purchasable]
    if gone:
        raise ApplicationError(
            f"These products are no longer sold: {', '.join(gone)}.",
            code=OrderErrorCode.PRODUCT_UNAVAILABLE,
            extra={"product_ids": gone},
        )
    return locked


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
    names = {pid: p.name for pid, p in products.items()}
    kinds = {pid: p.delivery_kind for pid, p in products.items()}
    if payment_method == Order.PaymentMethod.WALLET:
        return _place_wallet_order(order, lines, quantities, names, kinds, redemption)
    return _place_card_order(order, lines, quantities, names, kinds, redemption)


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
def _place_wallet_order(order, lines, quantities, names, kinds, redemption) -> Order:
    # Rows nobody else can touch yet go first, so the contended wallet and
    # stock rows are held for as short a time as possible.
    path = [S.CREATED, S.PAYMENT_PENDING, S.PAID]
    if delivers_everything(lines, kinds):
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
    move_order_stock(
        order, _lock_stock_for_sale(quantities), quantities, StockMove.SELL, order.buyer, names
    )
    # The merchants' events go into the transfer's own INSERT, after the stock
    # lock: two sales of one product insert theirs in the order they commit,
    # which is the order the relay numbers them in (events.services.relay).
    events = order_events(order, lines, ORDER_PAID, status=S.PAID)
    if order.status == S.FULFILLED:
        events += order_events(order, lines, ORDER_FULFILLED)
    proceeds_credit_locked(
        payer=buyer_wallet,
        clearing=clearing,
        shares=merchant_shares(lines),
        reference=f"order:{order.pk}",
        created_by=order.buyer,
        with_rows=[(Event, events)],
    )
    events_relay_after_commit()
    deliver(order, lines, kinds, reserved=False)
    if redemption is not None:
        discount_count(redemption)  # last: the code's row is locked until COMMIT
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
def _place_card_order(order, lines, quantities, names, kinds, redemption) -> Order:
    _check_reservation_cap(order.buyer)
    order.reserved_until = timezone.now() + timedelta(seconds=settings.RESERVATION_TTL_SECONDS)
    _insert_order(order, lines, [S.CREATED, S.PAYMENT_PENDING], redemption)
    move_order_stock(
        order, _lock_stock_for_sale(quantities), quantities, StockMove.RESERVE, order.buyer, names
    )
    # The order holds its very codes while the card is charged; expiry or a
    # cancel gives them back.
    code_lines = [line for line in lines if kinds[line.product_id] == Product.DeliveryKind.CODES]
    codes_take(lines=code_lines, state=ProductCode.State.RESERVED)
    if redemption is not None:
        discount_count(redemption)  # last: the code's row is locked until COMMIT
    return order
