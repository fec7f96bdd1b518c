"""The simulated gateway: no keys, no network; test tokens decide the outcome.
It keeps a journal (SimulatedGatewayRecord) as a real gateway keeps its own
books, so that reconcile_gateway can compare Kassa's records with it."""

import time
from datetime import datetime

from payments.gateways.base import (
    ChargeResult,
    GatewayRecord,
    RefundResult,
    TransientGatewayError,
)
from payments.models import Outcome, SimulatedGatewayRecord

# The test cards, in plain words (the storefront's card select and the
# browsable API's descriptions name them).
TEST_CARDS = [
    ("tok_visa", "Visa ending 4242 — pays at once"),
    ("tok_flaky", "Flaky card — the gateway fails twice, then pays"),
    ("tok_chargeDeclined", "Card that is declined"),
    ("tok_timeout", "Card whose gateway never answers"),
    ("tok_dispute_won", "Card that pays, then is disputed: the merchant wins"),
    ("tok_dispute_lost", "Card that pays, then is disputed: the merchant loses"),
]
DISPUTED = {"tok_dispute_won": "won", "tok_dispute_lost": "lost"}


def _journal(*, kind: str, reference: str, amount: int, currency: str, status: str, **fields):
    SimulatedGatewayRecord.objects.update_or_create(
        reference=reference,
        defaults={"kind": kind, "amount": amount, "currency": currency, "status": status, **fields},
    )


class SimulatedGateway:
    """tok_visa → success; tok_chargeDeclined → declined; tok_flaky → a transient
    error on the first two attempts, then success; tok_timeout → a transient
    error on every attempt; tok_dispute_won and tok_dispute_lost → success, then
    a dispute (payments.services.disputes) closed after SIMULATED_DISPUTE_SECONDS.
    Any other token is declined as invalid. Refunds always succeed."""

    name = "simulated"

    def __init__(self, latency_ms: int = 0):
        self.latency = latency_ms / 1000

    def charge(self, *, payment, attempt: int) -> ChargeResult:
        if self.latency:
            time.sleep(self.latency)
        token = payment.card_token
        reference = f"sim_{payment.pk.hex[:24]}"
        if token in ("tok_visa", *DISPUTED) or (token == "tok_flaky" and attempt > 2):
            _journal(
                kind=SimulatedGatewayRecord.Kind.CHARGE,
                reference=reference,
                amount=payment.amount,
                currency=payment.currency,
                status="succeeded",
            )
            return ChargeResult(
                Outcome.SUCCEEDED,
                reference,
                summary={"token": token},
                simulated_dispute=DISPUTED.get(token, ""),
            )
        if token in ("tok_flaky", "tok_timeout"):
            raise TransientGatewayError(f"simulated gateway timeout on attempt {attempt}")
        if token == "tok_chargeDeclined":
            return ChargeResult(
                Outcome.DECLINED, reference, "Your card was declined.", {"token": token}
            )
        return ChargeResult(
            Outcome.DECLINED, "", f"Unknown card token {token!r}.", {"token": token}
        )

    def refund(self, *, payment, refund) -> RefundResult:
        reference = f"sim_re_{refund.pk.hex[:24]}"
        _journal(
            kind=SimulatedGatewayRecord.Kind.REFUND,
            reference=reference,
            payment_reference=payment.gateway_reference,
            amount=refund.amount,
            currency=payment.currency,
            status="succeeded",
        )
        return RefundResult(Outcome.SUCCEEDED, reference)

    def dispute_record(self, *, dispute, status: str) -> None:
        """The journal's side of a simulated dispute, as it opens and closes."""
        _journal(
            kind=SimulatedGatewayRecord.Kind.DISPUTE,
            reference=dispute.gateway_reference,
            payment_reference=dispute.payment.gateway_reference,
            amount=dispute.amount,
            currency=dispute.currency,
            status=status,
        )

    def submit_dispute_evidence(self, *, dispute, evidence: dict) -> None:
        SimulatedGatewayRecord.objects.filter(reference=dispute.gateway_reference).update(
            data={"evidence": evidence, "submitted": True}
        )

    def records(self, *, since: datetime) -> list[GatewayRecord]:
        return [
            GatewayRecord(
                kind=row.kind,
                reference=row.reference,
                amount=row.amount,
                currency=row.currency,
                status=row.status,
                created_at=row.created_at,
                payment_reference=row.payment_reference,
            )
            for row in SimulatedGatewayRecord.objects.filter(created_at__gte=since)
        ]
