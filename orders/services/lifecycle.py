"""An order's life after checkout that moves no money: cancel (by the buyer, by
an expired reservation; a failed payment leaves the order for another card) and
fulfilment."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.locks import stock_lock
from catalog.services import StockMove, codes_release
from core import crypto
from core.enqueue import enqueue_on_commit
from core.task_names import SEND_ORDER_READY_EMAIL
from events.services import events_record
from orders.events import ORDER_CANCELLED, ORDER_FULFILLED, order_events
from orders.locks import order_qs_for_update
from orders.models import Order
from orders.services.discounts import discount_redemption_release
from orders.services.settlement import line_quantities, move_order_stock
from orders.state import can_transition, invalid_transition, order_set_status

S = Order.Status


@transaction.atomic
def order_transition(*, order: Order, to: str, actor: User | None, reason: str = "") -> Order:
    """Lock the order and move it to `to`; invalid_transition (409) if the table forbids it."""
    locked = order_qs_for_update().get(pk=order.pk)
    return order_set_status(locked, to, actor=actor, reason=reason)


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
        raise invalid_transition(order, S.CANCELLED)
    if order.payment_method == Order.PaymentMethod.CARD and order.status == S.PAYMENT_PENDING:
        move_order_stock(order, locked_stock, line_quantities(items), StockMove.RELEASE, actor)
        codes_release(lines=items)
        discount_redemption_release(order=order)  # last: it locks the code's row
    order = order_set_status(order, S.CANCELLED, actor=actor, reason=reason)
    events_record(order_events(order, items, ORDER_CANCELLED, reason=reason))
    return order, True


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


@transaction.atomic
def order_fulfill(*, order: Order, actor: User, note: str = "") -> Order:
    """Mark a paid order fulfilled, with `note` (a code, a message) for the
    buyer if given, and email the buyer that it is ready; invalid_transition
    (409) otherwise. The note is kept encrypted, and never goes in an event."""
    order = order_transition(order=order, to=S.FULFILLED, actor=actor, reason="fulfilled")
    if note := note.strip():
        order.fulfilment_note_ciphertext = crypto.encrypt(note)
        order.save(update_fields=["fulfilment_note_ciphertext", "updated_at"])
    events_record(order_events(order, list(order.items.all()), ORDER_FULFILLED))
    # A hand-delivered order is ready only now: its paid email could not say so.
    enqueue_on_commit(SEND_ORDER_READY_EMAIL, str(order.pk))
    return order
