"""The payments' events for merchants (events.types): payment links
(checkouts) completed or failed, and card refunds the gateway made or refused."""

from events.models import Event
from events.services import event_build
from events.types import register
from payments.models import Checkout, Payment, PaymentRefund

_CHECKOUT_EXAMPLE = {
    "id": "9a1d6d3e-57b0-4a0b-8c71-2f3e4d5c6b7a",
    "status": "COMPLETED",
    "amount": 1500,
    "currency": "USD",
    "description": "Invoice 1001",
    "payment_id": "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98",
    "payment_method": "CARD",
}
_REFUND_EXAMPLE = {
    "id": "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928",
    "status": "SUCCEEDED",
    "amount": 500,
    "currency": "USD",
    "order_id": "5f0c1c1e-8d0a-4a57-9a3e-1f2d3c4b5a69",
    "checkout_id": None,
    "reason": "partial credit",
    "failure_message": "",
}

CHECKOUT_COMPLETED = register(
    "checkout.completed",
    description="A payment link (checkout) was paid; the amount is pending in your balance "
    "until it settles.",
    example={"checkout": _CHECKOUT_EXAMPLE},
)
CHECKOUT_FAILED = register(
    "checkout.failed",
    description="A payment of a payment link failed (declined, not enough in the payer's "
    "wallet, or the gateway gave up); the link can be paid again.",
    example={
        "checkout": _CHECKOUT_EXAMPLE | {"status": "FAILED"},
        "failure_code": "card_declined",
    },
)
REFUND_SUCCEEDED = register(
    "refund.succeeded",
    description="A card refund went through at the gateway; `amount` is the part of it that "
    "came from your wallet.",
    example={"refund": _REFUND_EXAMPLE},
)
REFUND_FAILED = register(
    "refund.failed",
    description="The gateway refused a card refund; the amount held from your wallet is back.",
    example={
        "refund": _REFUND_EXAMPLE | {"status": "FAILED", "failure_message": "charge disputed"}
    },
)


_DISPUTE_EXAMPLE = {
    "id": "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b",
    "status": "OPEN",
    "amount": 2000,
    "currency": "USD",
    "reason": "fraudulent",
    "order_id": "5f0c1c1e-8d0a-4a57-9a3e-1f2d3c4b5a69",
    "checkout_id": None,
    "evidence_due_by": "2026-12-20T23:59:59Z",
}
DISPUTE_CREATED = register(
    "dispute.created",
    description="The buyer's bank disputes a card payment (a chargeback): `amount`, your part "
    "of it, is held from your balance (pending, then available, then as debt) and the order "
    "is DISPUTED, its codes and files withheld. Answer with evidence before `evidence_due_by`.",
    example={"dispute": _DISPUTE_EXAMPLE, "amount": 2000},
)
DISPUTE_CLOSED = register(
    "dispute.closed",
    description="A dispute was decided: WON gives the held `amount` back and the order its "
    "status; LOST sends it to the card network and the order becomes CHARGEBACK.",
    example={"dispute": _DISPUTE_EXAMPLE | {"status": "WON"}, "amount": 2000},
)


def dispute_events(dispute, payment: Payment, shares: dict, event_type) -> list:
    """One event per merchant who had money held for the dispute, with their part."""
    data = {
        "id": str(dispute.pk),
        "status": dispute.status,
        "amount": dispute.amount,
        "currency": dispute.currency,
        "reason": dispute.reason,
        "order_id": str(payment.order_id) if payment.order_id else None,
        "checkout_id": str(payment.checkout_id) if payment.checkout_id else None,
        "evidence_due_by": dispute.evidence_due_by.isoformat() if dispute.evidence_due_by else None,
    }
    return [
        event_build(
            merchant_id=merchant_id,
            event_type=event_type,
            data={"dispute": data, "amount": amount},
        )
        for merchant_id, amount in shares.items()
        if amount
    ]


def checkout_event(checkout: Checkout, payment: Payment, event_type, **extra) -> Event:
    data = {
        "checkout": {
            "id": str(checkout.pk),
            "status": checkout.status,
            "amount": checkout.amount,
            "currency": checkout.currency,
            "description": checkout.description,
            "payment_id": str(payment.pk),
            "payment_method": payment.method,
        },
        **extra,
    }
    return event_build(merchant_id=checkout.merchant_id, event_type=event_type, data=data)


def refund_events(refund: PaymentRefund, payment: Payment, shares: dict, event_type) -> list:
    """One event per merchant whose wallet gave money to the refund, with their share."""
    return [
        event_build(
            merchant_id=merchant_id,
            event_type=event_type,
            data={
                "refund": {
                    "id": str(refund.pk),
                    "status": refund.status,
                    "amount": amount,
                    "currency": payment.currency,
                    "order_id": str(payment.order_id) if payment.order_id else None,
                    "checkout_id": str(payment.checkout_id) if payment.checkout_id else None,
                    "reason": refund.reason,
                    "failure_message": refund.failure_message,
                }
            },
        )
        for merchant_id, amount in shares.items()
    ]
