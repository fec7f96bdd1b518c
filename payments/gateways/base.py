"""What every card gateway answers with, and the two ways it can fail to."""

from dataclasses import dataclass, field
from datetime import datetime

from payments.models import Outcome


class TransientGatewayError(Exception):
    """The gateway could not give an answer this time; the same request may succeed."""


class GatewayUnavailable(Exception):
    """The gateway refused Kassa itself, not the card: a revoked or wrong key, a
    missing permission, a malformed request, a reused idempotency key. No retry
    helps until the operator acts; the payment waits and the buyer is told card
    payments are unavailable. `kind` names which (kassa_gateway_errors_total)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ChargeResult:
    outcome: Outcome  # SUCCEEDED, DECLINED or PENDING
    reference: str = ""
    message: str = ""
    summary: dict = field(default_factory=dict)
    # The simulated gateway's disputed test cards: "won" or "lost".
    simulated_dispute: str = ""


@dataclass(frozen=True)
class BrowserIntent:
    """A payment the customer's browser confirms (Stripe's Payment Element)."""

    reference: str
    client_secret: str


@dataclass(frozen=True)
class RefundResult:
    outcome: Outcome  # SUCCEEDED, PENDING (the gateway answers later) or DECLINED
    reference: str = ""
    message: str = ""


@dataclass(frozen=True)
class GatewayRecord:
    """One charge, refund or dispute as the gateway keeps it, for reconcile_gateway."""

    kind: str  # charge | refund | dispute
    reference: str
    amount: int
    currency: str
    status: str
    created_at: datetime
    payment_reference: str = ""  # a refund's or a dispute's charge
