"""Every write to payments. Lock order: wallets → stock → orders → checkouts → payments."""

from payments.services.checkouts import checkout_create
from payments.services.creation import (
    payment_create_for_checkout,
    payment_create_for_order,
    payment_create_topup,
    payment_start_in_browser,
)
from payments.services.processing import (
    payment_fail,
    payment_process,
    payment_reconcile_stuck,
    payment_retry,
    payment_succeed,
    wallet_topup_by_card,
)
from payments.services.refund_outcomes import refund_reconcile_stuck, refund_send_to_gateway
from payments.services.refunds import payment_refund_to_card, refund_order

__all__ = [
    "checkout_create",
    "payment_create_for_checkout",
    "payment_create_for_order",
    "payment_create_topup",
    "payment_fail",
    "payment_process",
    "payment_reconcile_stuck",
    "payment_refund_to_card",
    "payment_retry",
    "payment_start_in_browser",
    "payment_succeed",
    "refund_order",
    "refund_reconcile_stuck",
    "refund_send_to_gateway",
    "wallet_topup_by_card",
]
