"""Disputes as the simulated gateway makes them: for its disputed test cards
(tok_dispute_won, tok_dispute_lost) right after the capture, and for
`manage.py simulate_dispute`; each closes SIMULATED_DISPUTE_SECONDS later, as a
bank's decision comes weeks later in real life."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.task_names import SIMULATED_DISPUTE_CLOSE
from payments.gateways import SimulatedGateway
from payments.models import Dispute, Payment
from payments.services.disputes import dispute_close, dispute_open

OUTCOMES = ("won", "lost")


def simulated_dispute_open(*, payment: Payment, outcome: str, close: bool = True) -> Dispute:
    """Open a dispute of the whole payment; unless told not to, have it closed
    with `outcome` ("won" or "lost") after SIMULATED_DISPUTE_SECONDS."""
    with transaction.atomic():
        dispute = dispute_open(
            payment=payment,
            amount=payment.amount - payment.refunded_amount,
            reason="fraudulent",
            reference=f"sim_dp_{payment.pk.hex[:24]}",
            due_by=timezone.now() + timedelta(days=7),
        )
        if close:
            enqueue_on_commit(
                SIMULATED_DISPUTE_CLOSE,
                str(dispute.pk),
                outcome,
                countdown=settings.SIMULATED_DISPUTE_SECONDS,
            )
    SimulatedGateway().dispute_record(dispute=dispute, status="needs_response")
    return dispute


def simulated_dispute_close(*, dispute: Dispute, outcome: str) -> Dispute:
    dispute = dispute_close(dispute=dispute, won=outcome == "won")
    SimulatedGateway().dispute_record(dispute=dispute, status=outcome)
    return dispute
