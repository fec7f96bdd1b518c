"""Which status may follow which for payments, checkouts, refunds and disputes,
and the one function per model that writes a status. Callers hold the row's lock."""

from core.exceptions import ApplicationError
from payments.errors import PaymentErrorCode
from payments.models import Checkout, Dispute, Payment, PaymentRefund

P = Payment.Status
C = Checkout.Status
R = PaymentRefund.Status
D = Dispute.Status

PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    # PROCESSING → PROCESSING: another attempt after a transient error.
    P.PENDING: frozenset({P.PROCESSING, P.SUCCEEDED, P.FAILED}),
    # PROCESSING → PENDING: the gateway refused Kassa itself (a revoked key); the
    # payment waits for the reconciler.
    P.PROCESSING: frozenset({P.PENDING, P.PROCESSING, P.SUCCEEDED, P.FAILED}),
    # FAILED → PENDING: staff's "retry now"; FAILED → SUCCEEDED: a late capture.
    P.FAILED: frozenset({P.PENDING, P.SUCCEEDED}),
    P.SUCCEEDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.PARTIALLY_REFUNDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.REFUNDED: frozenset(),
}

CHECKOUT_TRANSITIONS: dict[str, frozenset[str]] = {
    C.PENDING: frozenset({C.PROCESSING}),
    C.PROCESSING: frozenset({C.COMPLETED, C.FAILED}),
    C.FAILED: frozenset({C.PROCESSING}),
    C.COMPLETED: frozenset(),
}

DISPUTE_TRANSITIONS: dict[str, frozenset[str]] = {
    D.OPEN: frozenset({D.WON, D.LOST}),
    D.WON: frozenset(),
    D.LOST: frozenset(),
}

REFUND_TRANSITIONS: dict[str, frozenset[str]] = {
    R.PENDING: frozenset({R.SUCCEEDED, R.FAILED}),
    R.SUCCEEDED: frozenset(),
    R.FAILED: frozenset(),
}


def _set_status(row, table: dict, to: str, fields: dict):
    if to not in table[row.status]:
        raise ApplicationError(
            f"{type(row).__name__} {row.pk} in {row.status} cannot become {to}.",
            code=PaymentErrorCode.INVALID_TRANSITION,
            status=409,
            extra={"status": row.status},
        )
    row.status = to
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=["status", *fields, "updated_at"])
    return row


def payment_set_status(payment: Payment, to: str, **fields) -> Payment:
    """The only writer of Payment.status; `fields` are saved with it."""
    return _set_status(payment, PAYMENT_TRANSITIONS, to, fields)


def payment_set_refunded(payment: Payment, refunded_amount: int, **fields) -> Payment:
    """Record how much of a captured payment has gone back: REFUNDED once all of it."""
    to = P.REFUNDED if refunded_amount == payment.amount else P.PARTIALLY_REFUNDED
    return payment_set_status(payment, to, refunded_amount=refunded_amount, **fields)


def checkout_set_status(checkout: Checkout, to: str) -> Checkout:
    """The only writer of Checkout.status."""
    return _set_status(checkout, CHECKOUT_TRANSITIONS, to, {})


def refund_set_status(refund: PaymentRefund, to: str, **fields) -> PaymentRefund:
    """The only writer of PaymentRefund.status; `fields` are saved with it."""
    return _set_status(refund, REFUND_TRANSITIONS, to, fields)


def dispute_set_status(dispute: Dispute, to: str, **fields) -> Dispute:
    """The only writer of Dispute.status; `fields` are saved with it."""
    return _set_status(dispute, DISPUTE_TRANSITIONS, to, fields)
