"""The money and stock an order moves once placed: the card capture that pays
it, wallet refunds, and card refunds recorded on the order."""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.locks import stock_lock
from catalog.models import Licence, Product
from catalog.services import StockMove, codes_burn, licences_revoke, stock_apply
from core.exceptions import ApplicationError
from core.money import format_money
from events.services import events_record
from orders.errors import OrderErrorCode
from orders.events import (
    ORDER_FULFILLED,
    ORDER_PAID,
    ORDER_REFUNDED,
    merchant_subtotals,
    order_events,
)
from orders.locks import order_qs_for_update
from orders.models import Order
from orders.services.delivery import deliver, delivery_kinds, downloads_revoke
from orders.services.discounts import discount_redemption_finalise
from orders.services.receipts import order_receipt_due, order_refund_notice_enqueue
from orders.state import can_transition, invalid_transition, order_set_status
from wallets.locks import wallets_lock
from wallets.models import Transfer, Wallet
from wallets.services import transfers_locked, wallet_get_or_create_many
from wallets.services.proceeds import (
    pending_clearing_wallets,
    proceeds_credit_locked,
    proceeds_settle_now_locked,
    sale_wallets_lock,
)

S = Order.Status
Kind = Product.DeliveryKind


def line_quantities(items) -> dict:
    return {item.product_id: item.quantity for item in items}


def merchant_shares(items) -> dict:
    """{merchant pk: the subtotal of their lines}: what each merchant is owed,
    after any discount; a merchant whose lines a code made free is left out (a
    ledger transfer moves at least one minor unit)."""
    shares: dict = defaultdict(int)
    for item in items:
        shares[item.merchant_id] += item.subtotal
    return {merchant: amount for merchant, amount in shares.items() if amount > 0}


def order_wallets(order: Order, items, *, with_buyer: bool) -> dict:
    """{user pk: wallet} for the merchants of these lines (and the buyer)."""
    owners = [item.merchant_id for item in items] + ([order.buyer_id] if with_buyer else [])
    return wallet_get_or_create_many(user_ids=owners, currency=order.currency)


def move_order_stock(
    order: Order, locked: dict, quantities: dict, move: StockMove, actor, names=None
) -> None:
    stock_apply(
        locked=locked,
        quantities=quantities,
        move=move,
        actor=actor,
        reference=f"order:{order.pk}",
        names=names,
    )


def refund_per_merchant(
    order: Order, shares: dict, *, buyer_wallet, merchant_wallets: dict, actor
) -> None:
    """One ledger transfer per merchant of `shares` ({merchant pk: amount}),
    from the merchant back to the buyer, written together. Wallets are locked;
    a merchant whose share is nothing (a code made their lines free) is left
    out (a ledger transfer moves at least one minor unit)."""
    moves = [
        {
            "source": merchant_wallets[merchant_id],
            "target": buyer_wallet,
            "amount": amount,
            "kind": Transfer.Kind.REFUND,
            "reference": f"order:{order.pk}",
        }
        for merchant_id, amount in shares.items()
        if amount > 0
    ]
    transfers_locked(moves=moves, created_by=actor)


@transaction.atomic
def order_mark_paid(*, order: Order, reason: str = "card payment captured") -> Order:
    """Settle a card order: reserved units become sold, the merchants' proceeds
    are pending in clearing, paid from the card funding wallet. Idempotent; if
    the order was cancelled first (say its reservation expired), nothing changes
    and the returned order says CANCELLED, so the caller knows to give the money
    back.
    """
    items = list(order.items.all())
    funding, clearing = sale_wallets_lock(
        payer={"system_name": Wallet.System.CARD_FUNDING}, currency=order.currency
    )
    locked_stock = stock_lock(product_ids=[item.product_id for item in items])
    order = order_qs_for_update().get(pk=order.pk)
    if order.status != S.PAYMENT_PENDING:
        if order.status in (S.PAID, S.FULFILLED, S.REFUNDED, S.CANCELLED):
            return order
        raise invalid_transition(order, S.PAID)
    move_order_stock(order, locked_stock, line_quantities(items), StockMove.SELL_RESERVED, None)
    proceeds_credit_locked(
        payer=funding,
        clearing=clearing,
        shares=merchant_shares(items),
        reference=f"order:{order.pk}",
    )
    order.reserved_until = None
    discount_redemption_finalise(order=order)
    order_receipt_due(order)
    order = order_set_status(order, S.PAID, actor=None, reason=reason)
    events = order_events(order, items, ORDER_PAID)
    if deliver(order, items, delivery_kinds(locked_stock), reserved=True):
        order = order_set_status(order, S.FULFILLED, actor=None, reason="delivered")
        events += order_events(order, items, ORDER_FULFILLED)
    events_record(events)
    return order


def _take_back_units(order: Order, locked_stock: dict, items, actor) -> None:
    """A fully refunded order's units: delivered codes are burned (the buyer has
    seen them), other units return to stock (a licence unit is a fresh key next
    time), licence keys are revoked and download links stop working."""
    kinds = delivery_kinds(locked_stock)
    burned = {i.product_id: i.quantity for i in items if kinds[i.product_id] == Kind.CODES}
    returned = {i.product_id: i.quantity for i in items if kinds[i.product_id] != Kind.CODES}
    if returned:
        move_order_stock(order, locked_stock, returned, StockMove.RETURN, actor)
    if burned:
        move_order_stock(order, locked_stock, burned, StockMove.BURN, actor)
    now = timezone.now()
    codes_burn(lines=items, now=now)
    licences_revoke(lines=items, reason=Licence.Reason.REFUNDED, now=now)
    downloads_revoke(lines=items, now=now)


@transaction.atomic
def order_refund_to_wallet(
    *, order: Order, actor: User | None, amount: int | None = None, reason: str = ""
) -> Order:
    """Refund `amount` (None: all that is left) of a paid wallet order: merchants
    pay the buyer back through the ledger (the order's pending proceeds first:
    they are settled at once). Once the whole total is back the order is
    REFUNDED and its units are taken back. invalid_transition (409) unless PAID
    or FULFILLED; refund_too_large (422) past what is left;
    partial_refund_unsupported (422) for part of an order of several merchants;
    insufficient_funds (409) if a merchant has already withdrawn it. Repeating a
    partial refund refunds again: callers key the request (Idempotency-Key, the
    form's one-time key)."""
    if order.payment_method != Order.PaymentMethod.WALLET:
        raise ApplicationError(
            "Card orders are refunded through the payment gateway (payments app).",
            code=OrderErrorCode.REFUND_UNAVAILABLE,
            status=409,
        )
    items = list(order.items.all())
    wallets = order_wallets(order, items, with_buyer=True)
    reference = f"order:{order.pk}"
    locked_wallets = wallets_lock(
        [*wallets.values(), *pending_clearing_wallets(reference=reference)]
    )
    proceeds_settle_now_locked(reference=reference, locked=locked_wallets)
    locked_stock = stock_lock(product_ids=[item.product_id for item in items])
    order = order_qs_for_update().get(pk=order.pk)
    if not can_transition(order.status, S.REFUNDED):
        raise invalid_transition(order, S.REFUNDED)
    shares = _wallet_refund_shares(order, items, amount)
    refund_per_merchant(
        order,
        shares,
        buyer_wallet=locked_wallets[wallets[order.buyer_id].pk],
        merchant_wallets={pk: locked_wallets[w.pk] for pk, w in wallets.items()},
        actor=actor,
    )
    refunded = sum(shares.values())
    order.refunded_amount += refunded
    order_refund_notice_enqueue(order, refunded)
    if order.refunded_amount < order.total:
        order.save(update_fields=["refunded_amount", "updated_at"])
    else:
        _take_back_units(order, locked_stock, items, actor)
        order = order_set_status(order, S.REFUNDED, actor=actor, reason=reason or "refunded")
    events_record(order_events(order, items, ORDER_REFUNDED, amount=shares))
    return order


def _wallet_refund_shares(order: Order, items, amount: int | None) -> dict:
    """{merchant pk: what they give back} for a refund of `amount` of a locked
    order. All of a first refund is split by the lines' subtotals; a part comes
    from the single merchant of the order (as for a card: payments), and so
    does the rest after a part."""
    left = order.refundable
    if amount is None:
        amount = left
    if amount <= 0 or amount > left:
        raise ApplicationError(
            f"At most {format_money(left, order.currency)} can still be refunded.",
            code=OrderErrorCode.REFUND_TOO_LARGE,
            status=422,
            extra={"refundable": left, "pending": 0},
        )
    if amount == order.total:
        return merchant_subtotals(items)
    merchants = {item.merchant_id for item in items}
    if len(merchants) > 1:
        raise ApplicationError(
            "Orders with several merchants can only be refunded in full.",
            code=OrderErrorCode.PARTIAL_REFUND_UNSUPPORTED,
            status=422,
        )
    return dict.fromkeys(merchants, amount)


def order_record_card_refund(
    *, order: Order, amount: int, actor: User | None, reason: str
) -> Order:
    """Note `amount` given back outside the wallets (to the buyer's card). When the
    whole total is back, the units return to stock and the order is REFUNDED.
    Locks stock, then the order; the caller has locked the wallets it moves."""
    items = list(order.items.all())
    locked_stock = stock_lock(product_ids=[item.product_id for item in items])
    order = order_qs_for_update().get(pk=order.pk)
    if order.status not in (S.PAID, S.FULFILLED):
        return order
    order.refunded_amount += amount
    order_refund_notice_enqueue(order, amount)
    if order.refunded_amount < order.total:
        order.save(update_fields=["refunded_amount", "updated_at"])
    else:
        _take_back_units(order, locked_stock, items, actor)
        order = order_set_status(
            order, S.REFUNDED, actor=actor, reason=reason or "refunded to card"
        )
    events_record(
        order_events(order, items, ORDER_REFUNDED, amount=_card_refund_shares(items, amount))
    )
    return order


def _card_refund_shares(items, amount: int) -> dict:
    """{merchant pk: their part of `amount`}: all of it for a single merchant's
    order; an order of several merchants is refunded in full at once
    (payments refuses a part), so each gets their lines' total."""
    subtotals = merchant_subtotals(items)
    if len(subtotals) == 1:
        return dict.fromkeys(subtotals, amount)
    return subtotals
