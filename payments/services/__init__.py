"""Every write to payments. Lock order: wallets → stock → orders → checkouts → payments."""

from payments.services.checkouts import checkout_create
from payments.services.creation import (
    payment_create_for_checkout,
    payment_create_for_order,
    payment_create_topup,
)
from payments.services.processing import (
    Outcome,
    payment_fail,
    payment_process,
    payment_reconcile_stuck,
    payment_retry,
    payment_succeed,
    wallet_topup_by_card,
)
from payments.services.refunds import payment_refund, payment_refund_order

__all__ = [
    "Outcome",
    "checkout_create",
    "payment_create_for_checkout",
    "payment_create_for_order",
    "payment_create_topup",
    "payment_fail",
    "payment_process",
    "payment_reconcile_stuck",
    "payment_refund",
    "payment_refund_order",
    "payment_retry",
    "payment_succeed",
    "wallet_topup_by_card",
]
