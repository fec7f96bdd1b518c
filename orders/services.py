"""Every write to an order. Lock order, as everywhere: wallets → stock → orders."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.models import Product
from catalog.services import StockMove, stock_apply, stock_lock
from core.exceptions import ApplicationError
from orders.errors import OrderErrorCode
from orders.locks import order_qs_for_update
from orders.models import Order, OrderEvent, OrderItem
from orders.state import can_transition
from wallets.errors import WalletErrorCode
from wallets.locks import wallet_qs_for_update
from wallets.models import Transfer, Wallet
from wallets.services import system_wallet, transfer_locked, wallet_get_or_create_many

MAX_QUANTITY = 100
S = Order.Status


def _invalid_transition(order: Order, to: str) -> ApplicationError:
    return ApplicationError(
        f"An order in {order.status} cannot become {to}.",
        code=OrderErrorCode.INVALID_TRANSITION,
        status=409,
        extra={"status": order.status},
    )


def _set_status(order: Order, to: str, *, actor: User | None, reason: str = "") -> Order:
    """Move a locked order to `to`, recording the event. The only status writer."""
    if not can_transition(order.status, to):
        raise _invalid_transition(order, to)
    OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=to, actor=actor, reason=reason
    )
    order.status = to
    order.save(update_fields=["status", "refunded_amount", "reserved_until", "updated_at"])
    return order


@transaction.atomic
def order_transition(*, order: Order, to: str, actor: User | None, reason: str = "") -> Order:
    """Lock the order and move it to `to`; invalid_transition (409) if the table forbids it."""
    locked = order_qs_for_update().get(pk=order.pk)
    return _set_status(locked, to, actor=actor, reason=reason)


# --- checkout ---------------------------------------------------------------------


def _merge_lines(items: list[dict]) -> dict:
    quantities: dict = {}
    for line in items:
        quantities[line["product_id"]] = quantities.get(line["product_id"], 0) + line["quantity"]
    too_many = [str(pid) for pid, units in quantities.items() if units > MAX_QUANTITY]
    if too_many:
        raise ApplicationError(
            f"At most {MAX_QUANTITY} units of a product per order.",
            code="invalid",
            extra={"errors": {"items": [f"Quantity above {MAX_QUANTITY} for {too_many}."]}},
        )
    return quantities


def _load_products(*, buyer: User, quantities: dict) -> dict:
    products = {
        p.pk: p
        for p in Product.objects.filter(
            pk__in=quantities, is_active=True, deleted_at__isnull=True
        ).select_related("merchant")
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


def _initial_events(order: Order, path: list[str], actor: User) -> list[OrderEvent]:
    """Events for a new order walking `path`, each step checked against the table."""
    events = [OrderEvent(order=order, from_status="", to_status=path[0], actor=actor)]
    for current, following in zip(path, path[1:], strict=False):
        if not can_transition(current, following):
            raise _invalid_transition(order, following)
        events.append(
            OrderEvent(order=order, from_status=current, to_status=following, actor=actor)
        )
    return events


def _per_merchant(items) -> dict:
    amounts: dict = defaultdict(int)
    for item in items:
        amounts[item.merchant_id] += item.subtotal
    return amounts


def _wallets(order: Order, items, *, with_buyer: bool) -> dict:
    """{user pk: wallet} for the merchants of these lines (and the buyer)."""
    users = [item.merchant for item in items] + ([order.buyer] if with_buyer else [])
    return wallet_get_or_create_many(users=users, currency=order.currency)


def _lock_wallets(wallets) -> dict:
    return {w.pk: w for w in wallet_qs_for_update().filter(pk__in=[w.pk for w in wallets])}


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


def _move_stock(order: Order, locked: dict, quantities: dict, move: StockMove, actor, names=None):
    stock_apply(
        locked=locked,
        quantities=quantities,
        move=move,
        actor=actor,
        reference=f"order:{order.pk}",
        names=names,
    )


def _transfer_per_merchant(
    order: Order,
    items,
    *,
    counterpart,
    merchant_wallets: dict,
    kind: str,
    to_merchants: bool,
    actor,
) -> None:
    """One ledger transfer per merchant of `items`, for their lines' subtotal: from
    `counterpart` to the merchant (a sale) or back (a refund). Wallets are locked."""
    for merchant_id, amount in _per_merchant(items).items():
        merchant_wallet = merchant_wallets[merchant_id]
        source, target = (
            (counterpart, merchant_wallet) if to_merchants else (merchant_wallet, counterpart)
        )
        transfer_locked(
            source=source,
            target=target,
            amount=amount,
            kind=kind,
            reference=f"order:{order.pk}",
            created_by=actor,
        )


def order_place(*, buyer: User, items: list[dict], payment_method: str) -> Order:
    """Check out a cart in one transaction.

    WALLET: pays at once (order PAID). CARD: reserves the stock until
    RESERVATION_TTL_SECONDS (order PAYMENT_PENDING). Raises, writing nothing:
    product_unavailable (400), mixed_currency / own_product (422),
    insufficient_funds / insufficient_stock (409).
    """
    quantities = _merge_lines(items)
    products = _load_products(buyer=buyer, quantities=quantities)
    currency = next(iter(products.values())).currency
    order = Order(buyer=buyer, payment_method=payment_method, currency=currency)
    lines = [
        OrderItem(
            order=order,
            product_id=pid,
            merchant=products[pid].merchant,
            name=products[pid].name,
            unit_price=products[pid].price,
            quantity=units,
        )
        for pid, units in quantities.items()
    ]
    order.total = sum(line.subtotal for line in lines)
    names = {pid: p.name for pid, p in products.items()}
    if payment_method == Order.PaymentMethod.WALLET:
        return _place_wallet_order(order, lines, quantities, names)
    return _place_card_order(order, lines, quantities, names)


def _insert_order(order: Order, lines: list[OrderItem], path: list[str]) -> None:
    order.status = path[-1]
    order.save(force_insert=True)
    OrderItem.objects.bulk_create(lines)
    OrderEvent.objects.bulk_create(_initial_events(order, path, order.buyer))


@transaction.atomic
def _place_wallet_order(order, lines, quantities, names) -> Order:
    wallets = _wallets(order, lines, with_buyer=True)
    buyer_wallet = wallets[order.buyer.pk]
    # Rows nobody else can touch yet go first, so the contended wallet and
    # stock rows are held for as short a time as possible.
    _insert_order(order, lines, [S.CREATED, S.PAYMENT_PENDING, S.PAID])

    locked = _lock_wallets(wallets.values())
    if locked[buyer_wallet.pk].balance < order.total:
        raise ApplicationError(
            "Insufficient funds.",
            code=WalletErrorCode.INSUFFICIENT_FUNDS,
            status=409,
            extra={"balance": locked[buyer_wallet.pk].balance, "total": order.total},
        )
    _move_stock(
        order, _lock_stock_for_sale(quantities), quantities, StockMove.SELL, order.buyer, names
    )
    _transfer_per_merchant(
        order,
        lines,
        counterpart=locked[buyer_wallet.pk],
        merchant_wallets={pk: locked[w.pk] for pk, w in wallets.items()},
        kind=Transfer.Kind.PURCHASE,
        to_merchants=True,
        actor=order.buyer,
    )
    return order


def _check_reservation_cap(buyer: User) -> None:
    """One account may not hoard stock with unpaid card orders.

    The buyer's row is locked first, so two card checkouts of one buyer count in
    turn. Card checkouts lock no wallets, and nothing else locks user rows while
    holding other locks, so this comes before the global order without deadlock.
    """
    User.objects.select_for_update().filter(pk=buyer.pk).first()
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


@transaction.atomic
def _place_card_order(order, lines, quantities, names) -> Order:
    _check_reservation_cap(order.buyer)
    order.reserved_until = timezone.now() + timedelta(seconds=settings.RESERVATION_TTL_SECONDS)
    _insert_order(order, lines, [S.CREATED, S.PAYMENT_PENDING])
    _move_stock(
        order, _lock_stock_for_sale(quantities), quantities, StockMove.RESERVE, order.buyer, names
    )
    return order


# --- after checkout ------------------------------------------------------------------


def _quantities(items) -> dict:
    return {item.product_id: item.quantity for item in items}


@transaction.atomic
def order_mark_paid(*, order: Order, reason: str = "card payment captured") -> Order:
    """Settle a card order: reserved units become sold, merchants are credited from
    the card funding wallet. Idempotent; if the order was cancelled first (say its
    reservation expired), nothing changes and the returned order says CANCELLED,
    so the caller knows to give the money back.
    """
    items = list(order.items.select_related("merchant"))
    funding = system_wallet(name=Wallet.System.CARD_FUNDING, currency=order.currency)
    merchant_wallets = _wallets(order, items, with_buyer=False)
    locked_wallets = _lock_wallets([funding, *merchant_wallets.values()])
    locked_stock = stock_lock(product_ids=[item.product_id for item in items])
    order = order_qs_for_update().get(pk=order.pk)
    if order.status != S.PAYMENT_PENDING:
        if order.status in (S.PAID, S.FULFILLED, S.REFUNDED, S.CANCELLED):
            return order
        raise _invalid_transition(order, S.PAID)
    _move_stock(order, locked_stock, _quantities(items), StockMove.SELL_RESERVED, None)
    _transfer_per_merchant(
        order,
        items,
        counterpart=locked_wallets[funding.pk],
        merchant_wallets={pk: locked_wallets[w.pk] for pk, w in merchant_wallets.items()},
        kind=Transfer.Kind.PURCHASE,
        to_merchants=True,
        actor=None,
    )
    order.reserved_until = None
    return _set_status(order, S.PAID, actor=None, reason=reason)


def _cancel(
    order: Order, *, actor: User | None, reason: str, expired_before=None
) -> tuple[Order, bool]:
    """Returns the order and whether this call cancelled it."""
    items = list(order.items.all())
    locked_stock = stock_lock(product_ids=[item.product_id for item in items])
    order = order_qs_for_update().get(pk=order.pk)
    if order.status == S.CANCELLED:
        return order, False
    if expired_before is not None and (
        order.status != S.PAYMENT_PENDING or order.reserved_until >= expired_before
    ):
        return order, False  # paid meanwhile: the expiry lost the race
    if not can_transition(order.status, S.CANCELLED):
        raise _invalid_transition(order, S.CANCELLED)
    if order.payment_method == Order.PaymentMethod.CARD and order.status == S.PAYMENT_PENDING:
        _move_stock(order, locked_stock, _quantities(items), StockMove.RELEASE, actor)
    return _set_status(order, S.CANCELLED, actor=actor, reason=reason), True


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None, reason: str = "") -> Order:
    """Cancel an unpaid order and release its reserved stock. Idempotent;
    invalid_transition (409) once the order is paid."""
    return _cancel(order, actor=actor, reason=reason or "cancelled")[0]


def order_release_expired(*, now=None, batch_size: int = 500) -> int:
    """Cancel card orders whose reservation has run out; returns how many.

    Each order is handled in its own transaction under its locks, so a payment
    settling at the same moment either wins (this skips it) or loses.
    """
    now = now or timezone.now()
    expired = Order.objects.filter(status=S.PAYMENT_PENDING, reserved_until__lt=now)
    released = 0
    for order in expired.order_by("reserved_until")[:batch_size]:
        with transaction.atomic():
            _, cancelled = _cancel(
                order, actor=None, reason="reservation expired", expired_before=now
            )
        released += cancelled
    return released


def order_fulfill(*, order: Order, actor: User) -> Order:
    return order_transition(order=order, to=S.FULFILLED, actor=actor, reason="fulfilled")


@transaction.atomic
def order_refund(*, order: Order, actor: User, reason: str = "") -> Order:
    """Refund a paid wallet order in full: merchants pay the buyer back through the
    ledger and the units return to stock. invalid_transition (409) unless PAID or
    FULFILLED; insufficient_funds (409) if a merchant has already withdrawn it."""
    if order.payment_method != Order.PaymentMethod.WALLET:
        raise ApplicationError(
            "Card orders are refunded through the payment gateway (payments app).",
            code=OrderErrorCode.REFUND_UNAVAILABLE,
            status=409,
        )
    items = list(order.items.select_related("merchant"))
    wallets = _wallets(order, items, with_buyer=True)
    locked_wallets = _lock_wallets(wallets.values())
    locked_stock = stock_lock(product_ids=[item.product_id for item in items])
    order = order_qs_for_update().get(pk=order.pk)
    if not can_transition(order.status, S.REFUNDED):
        raise _invalid_transition(order, S.REFUNDED)
    _transfer_per_merchant(
        order,
        items,
        counterpart=locked_wallets[wallets[order.buyer.pk].pk],
        merchant_wallets={pk: locked_wallets[w.pk] for pk, w in wallets.items()},
        kind=Transfer.Kind.REFUND,
        to_merchants=False,
        actor=actor,
    )
    _move_stock(order, locked_stock, _quantities(items), StockMove.RETURN, actor)
    order.refunded_amount = order.total
    return _set_status(order, S.REFUNDED, actor=actor, reason=reason or "refunded")


def order_record_refund(*, order: Order, amount: int, actor: User | None, reason: str) -> Order:
    """Note `amount` given back outside the wallets (to the buyer's card). When the
    whole total is back, the units return to stock and the order is REFUNDED.
    Locks stock, then the order; the caller has locked the wallets it moves."""
    items = list(order.items.all())
    locked_stock = stock_lock(product_ids=[item.product_id for item in items])
    order = order_qs_for_update().get(pk=order.pk)
    if order.status not in (S.PAID, S.FULFILLED):
        return order
    order.refunded_amount += amount
    if order.refunded_amount < order.total:
        order.save(update_fields=["refunded_amount", "updated_at"])
        return order
    _move_stock(order, locked_stock, _quantities(items), StockMove.RETURN, actor)
    return _set_status(order, S.REFUNDED, actor=actor, reason=reason or "refunded to card")
