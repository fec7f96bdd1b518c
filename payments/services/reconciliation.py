"""Kassa's books compared with the gateway's: every captured card payment, card
refund and dispute since a date, as Kassa recorded it and as the gateway keeps
it (Stripe's list endpoints; the simulated gateway's journal). Each difference
is a Mismatch, counted in kassa_reconciliation_mismatches_total."""

from dataclasses import dataclass
from datetime import datetime

from core.metrics import RECONCILIATION_MISMATCHES
from payments.gateways import get_gateway
from payments.models import Dispute, Payment, PaymentRefund

# The gateway's statuses that mean what Kassa's do.
DISPUTE_STATUSES = {"won": Dispute.Status.WON, "warning_closed": Dispute.Status.WON}
DISPUTE_STATUSES |= {"lost": Dispute.Status.LOST}


@dataclass(frozen=True)
class Mismatch:
    kind: str
    reference: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}: {self.detail}"


def _charges(records, payments) -> list[Mismatch]:
    at_gateway = {r.reference: r for r in records if r.kind == "charge" and r.status == "succeeded"}
    found = []
    for payment in payments:
        charge = at_gateway.pop(payment.gateway_reference, None)
        captured = payment.status in Payment.CAPTURED
        if captured and charge is None:
            found.append(
                Mismatch(
                    "charge_missing_at_gateway",
                    payment.gateway_reference,
                    f"payment {payment.pk} is {payment.status}",
                )
            )
        elif charge is not None and not captured:
            found.append(
                Mismatch(
                    "charge_not_recorded",
                    charge.reference,
                    f"the gateway charged {charge.amount}; payment {payment.pk} "
                    f"is {payment.status}",
                )
            )
        elif charge is not None and charge.amount != payment.amount:
            found.append(
                Mismatch(
                    "charge_amount",
                    charge.reference,
                    f"the gateway charged {charge.amount}, Kassa {payment.amount}",
                )
            )
    found += [
        Mismatch("charge_unknown", charge.reference, f"the gateway charged {charge.amount}")
        for charge in at_gateway.values()
    ]
    return found


def _refunds(records, refunds) -> list[Mismatch]:
    at_gateway = {r.reference: r for r in records if r.kind == "refund"}
    found = []
    for refund in refunds:
        theirs = at_gateway.pop(refund.gateway_reference, None)
        ours = refund.status
        if theirs is None:
            if ours == PaymentRefund.Status.SUCCEEDED:
                found.append(
                    Mismatch(
                        "refund_missing_at_gateway",
                        refund.gateway_reference,
                        f"refund {refund.pk} of {refund.amount} is SUCCEEDED",
                    )
                )
            continue
        agrees = {
            PaymentRefund.Status.SUCCEEDED: theirs.status == "succeeded",
            PaymentRefund.Status.FAILED: theirs.status in ("failed", "canceled"),
            PaymentRefund.Status.PENDING: theirs.status in ("pending", "requires_action"),
        }[ours]
        if not agrees:
            found.append(
                Mismatch(
                    "refund_status",
                    theirs.reference,
                    f"the gateway says {theirs.status}, Kassa {ours}",
                )
            )
        elif theirs.amount != refund.amount:
            found.append(
                Mismatch(
                    "refund_amount",
                    theirs.reference,
                    f"the gateway refunded {theirs.amount}, Kassa {refund.amount}",
                )
            )
    found += [
        Mismatch(
            "refund_not_recorded",
            refund.reference,
            f"the gateway refunded {refund.amount} of {refund.payment_reference}",
        )
        for refund in at_gateway.values()
        if refund.status == "succeeded"
    ]
    return found


def _disputes(records, disputes) -> list[Mismatch]:
    at_gateway = {r.reference: r for r in records if r.kind == "dispute"}
    found = []
    for dispute in disputes:
        theirs = at_gateway.pop(dispute.gateway_reference, None)
        if theirs is None:
            found.append(
                Mismatch(
                    "dispute_missing_at_gateway",
                    dispute.gateway_reference,
                    f"dispute {dispute.pk} is {dispute.status}",
                )
            )
        elif DISPUTE_STATUSES.get(theirs.status, Dispute.Status.OPEN) != dispute.status:
            found.append(
                Mismatch(
                    "dispute_status",
                    theirs.reference,
                    f"the gateway says {theirs.status}, Kassa {dispute.status}",
                )
            )
    found += [
        Mismatch(
            "dispute_not_recorded",
            dispute.reference,
            f"the gateway has a dispute of {dispute.amount} on {dispute.payment_reference}",
        )
        for dispute in at_gateway.values()
    ]
    return found


def reconcile_gateway(*, since: datetime, gateway_name: str | None = None) -> list[Mismatch]:
    """Every difference between Kassa's records since `since` and the gateway's."""
    gateway = get_gateway(gateway_name)
    records = gateway.records(since=since)
    payments = Payment.objects.filter(
        gateway=gateway.name, method=Payment.Method.CARD, created_at__gte=since
    ).exclude(gateway_reference="")
    refunds = PaymentRefund.objects.filter(
        payment__gateway=gateway.name, created_at__gte=since
    ).exclude(gateway_reference="")
    disputes = Dispute.objects.filter(payment__gateway=gateway.name, created_at__gte=since)
    mismatches = [
        *_charges(records, payments),
        *_refunds(records, refunds),
        *_disputes(records, disputes),
    ]
    for mismatch in mismatches:
        RECONCILIATION_MISMATCHES.labels(mismatch.kind).inc()
    return mismatches
