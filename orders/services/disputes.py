"""What a card dispute does to an order: it becomes DISPUTED (its codes and
files withheld, its licence keys disabled) while the dispute is open; a won
dispute gives it back the status it had (and its keys), a lost one ends it in
CHARGEBACK with its codes voided, its keys revoked and its download links ended. The money is payments' (payments/services/disputes.py)."""

from django.utils import timezone

from catalog.models import Licence
from catalog.services import codes_burn, licences_restore, licences_revoke, licences_withhold
from orders.locks import order_qs_for_update
from orders.models import Order
from orders.services.delivery import downloads_revoke
from orders.state import order_set_status

S = Order.Status


def order_dispute_open(*, order: Order, reason: str) -> str:
    """Lock the order and make it DISPUTED; returns the status it had ("" when it
    stays as it is: a refunded order is disputed for its money only)."""
    order = order_qs_for_update().get(pk=order.pk)
    if order.status not in (S.PAID, S.FULFILLED):
        return ""
    before = order.status
    licences_withhold(lines=list(order.items.all()), now=timezone.now())
    order_set_status(order, S.DISPUTED, actor=None, reason=f"card disputed: {reason}"[:255])
    return before


def order_dispute_close(*, order: Order, won: bool, status_before: str) -> Order:
    order = order_qs_for_update().get(pk=order.pk)
    if order.status != S.DISPUTED:
        return order
    lines = list(order.items.all())
    now = timezone.now()
    if won:
        licences_restore(lines=lines, now=now)
        return order_set_status(order, status_before, actor=None, reason="dispute won")
    codes_burn(lines=lines, now=now)
    licences_revoke(lines=lines, reason=Licence.Reason.CHARGEBACK, now=now)
    downloads_revoke(lines=lines, now=now)
    return order_set_status(order, S.CHARGEBACK, actor=None, reason="dispute lost")
