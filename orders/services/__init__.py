"""Every write to an order. Lock order, as everywhere: wallets → stock → orders
→ discounts (a code's counter, last: orders.services.discounts).

checkout: placing an order; settlement: the money and stock an order moves once
placed (card capture, refunds); lifecycle: cancel, expiry, fulfilment.
"""

from orders.services.checkout import order_place
from orders.services.disputes import order_dispute_close, order_dispute_open
from orders.services.lifecycle import (
    order_cancel,
    order_fulfill,
    order_release_expired,
    order_transition,
)
from orders.services.receipts import (
    order_receipt_email_send,
    order_receipt_resend,
    order_receipts_send_due,
    order_refund_notice_send,
)
from orders.services.settlement import (
    order_mark_paid,
    order_record_card_refund,
    order_refund_to_wallet,
)

__all__ = [
    "order_dispute_close",
    "order_dispute_open",
    "order_cancel",
    "order_fulfill",
    "order_mark_paid",
    "order_place",
    "order_receipt_email_send",
    "order_receipt_resend",
    "order_receipts_send_due",
    "order_record_card_refund",
    "order_refund_notice_send",
    "order_refund_to_wallet",
    "order_release_expired",
    "order_transition",
]
