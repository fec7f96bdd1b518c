"""Card disputes (chargebacks): the one way money leaves without the merchant's
consent. Opening one moves the disputed amount from the merchants who received
it into the DISPUTES_HOLD wallet, their sale's pending proceeds first, then
their available balance, then their debt for what is missing (the platform
advances it: a merchant's wallet never goes below zero), and makes the order
DISPUTED. Won: the money goes back where it came from and the order gets its
status back. Lost: the money goes to the card network (card funding) and the
order ends in CHARGEBACK, its codes voided.

Lock order, as everywhere: wallets → proceeds → orders → payments → disputes.
"""

import logging
import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from events.services import events_record
from orders.services import order_dispute_close, order_dispute_open
from payments.errors import PaymentErrorCode
from payments.events import DISPUTE_CLOSED, DISPUTE_CREATED, dispute_events
from payments.gateways import GatewayUnavailable, TransientGatewayError, get_gateway
from payments.locks import dispute_qs_for_update
from payments.models import Dispute, Payment
from payments.selectors import dispute_evidence
from payments.services.shares import receiver_amounts, sale_reference
from payments.state import dispute_set_status
from wallets.locks import wallets_lock
from wallets.models import Transfer, Wallet
from wallets.services import (
    debt_wallet_get_or_create,
    system_wallet,
    transfers_locked,
    wallet_get_or_create_many,
)
from wallets.services.proceeds import (
    merchant_take_moves,
    pending_clearing_wallets,
    proceeds_settle_now_locked,
)

logger = logging.getLogger("kassa.payments")
D = Dispute.Status


def _wallets(payment: Payment, receivers) -> tuple[dict, dict, Wallet, Wallet]:
    currency = payment.currency
    available = wallet_get_or_create_many(user_ids=receivers, currency=currency)
    debts = {pk: debt_wallet_get_or_create(merchant_id=pk, currency=currency) for pk in receivers}
    hold = system_wallet(name=Wallet.System.DISPUTES_HOLD, currency=currency)
    funding = system_wallet(name=Wallet.System.CARD_FUNDING, currency=currency)
    return available, debts, hold, funding


@transaction.atomic
def dispute_open(
    *, payment: Payment, amount: int, reason: str, reference: str, due_by: datetime | None = None
) -> Dispute:
    """Open the dispute the gateway calls `reference`. Idempotent: a dispute
    already open (or closed) under that reference is returned as it is."""
    if found := Dispute.objects.filter(gateway_reference=reference).first():
        return found
    payment = Payment.objects.select_related("order", "checkout", "payer").get(pk=payment.pk)
    amount = min(amount, payment.amount)
    # A late capture settled nothing: its money never reached a merchant.
    parts = {} if payment.late_capture else receiver_amounts(payment, amount)
    available, debts, hold, funding = _wallets(payment, parts)
    sale = sale_reference(payment)
    clearing = pending_clearing_wallets(reference=sale) if sale else []
    locked = wallets_lock([hold, funding, *available.values(), *debts.values(), *clearing])
    if sale:
        proceeds_settle_now_locked(reference=sale, locked=locked)
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                payment=payment,
                amount=amount,
                currency=payment.currency,
                reason=reason[:100],
                gateway_reference=reference,
                evidence_due_by=due_by,
            )
    except IntegrityError:  # the same dispute, reported twice at once
        return Dispute.objects.get(gateway_reference=reference)
    moves, held = [], {}
    for pk, part in parts.items():
        taken, from_debt = merchant_take_moves(
            available=locked[available[pk].pk],
            debt=locked[debts[pk].pk],
            amount=part,
            target=locked[hold.pk],
            kind=Transfer.Kind.DISPUTE,
            reference=dispute.ledger_reference,
        )
        moves += taken
        held[str(pk)] = {"available": part - from_debt, "debt": from_debt}
    if not parts:
        moves.append(_move(locked[funding.pk], locked[hold.pk], amount, dispute))
    transfers_locked(moves=moves)
    if payment.order is not None:
        dispute.order_status_before = order_dispute_open(order=payment.order, reason=reason)
    dispute.held = held
    dispute.evidence = dispute_evidence(payment=payment)
    dispute.save(update_fields=["held", "order_status_before", "evidence", "updated_at"])
    events_record(dispute_events(dispute, payment, parts, DISPUTE_CREATED))
    logger.warning(
        "dispute_opened dispute_id=%s payment_id=%s amount=%s", dispute.pk, payment.pk, amount
    )
    return dispute


def _move(source: Wallet, target: Wallet, amount: int, dispute: Dispute, kind=None) -> dict:
    return {
        "source": source,
        "target": target,
        "amount": amount,
        "kind": kind or Transfer.Kind.DISPUTE,
        "reference": dispute.ledger_reference,
    }


@transaction.atomic
def dispute_close(*, dispute: Dispute, won: bool) -> Dispute:
    """Close an open dispute. Won: each merchant gets back what was held from
    them (what came from their debt first repays what is still owed); lost: the
    held money goes to the card network. Idempotent: a closed dispute is
    returned as it is."""
    payment = Payment.objects.select_related("order").get(pk=dispute.payment_id)
    held = {uuid.UUID(pk): part for pk, part in dispute.held.items()}
    available, debts, hold, funding = _wallets(payment, held)
    locked = wallets_lock([hold, funding, *available.values(), *debts.values()])
    dispute = dispute_qs_for_update().get(pk=dispute.pk)
    if dispute.status != D.OPEN:
        return dispute
    give_back = {}  # {wallet: amount}
    if won and held:
        for pk, part in held.items():
            debt = locked[debts[pk].pk]
            back_to_debt = min(part["debt"], -debt.balance)
            give_back[debt] = back_to_debt
            give_back[locked[available[pk].pk]] = part["available"] + part["debt"] - back_to_debt
    else:  # lost, or won for nobody's money: the card network's side
        give_back[locked[funding.pk]] = dispute.amount
    release = Transfer.Kind.DISPUTE_RELEASE
    transfers_locked(
        moves=[
            _move(locked[hold.pk], wallet, amount, dispute, release)
            for wallet, amount in give_back.items()
            if amount
        ]
    )
    if payment.order is not None and dispute.order_status_before:
        order_dispute_close(order=payment.order, won=won, status_before=dispute.order_status_before)
    dispute_set_status(dispute, D.WON if won else D.LOST, closed_at=timezone.now())
    shares = {pk: part["available"] + part["debt"] for pk, part in held.items()}
    events_record(dispute_events(dispute, payment, shares, DISPUTE_CLOSED))
    logger.warning("dispute_closed dispute_id=%s won=%s", dispute.pk, won)
    return dispute


def dispute_submit_evidence(*, dispute: Dispute) -> Dispute:
    """Send the gateway the evidence Kassa's own records make (freshly assembled),
    with no transaction open; Stripe decides from it. Refused once the dispute is
    closed or past its deadline; gateway_unavailable (503) when the gateway
    cannot be reached or refuses Kassa, to be tried again."""
    if dispute.status != D.OPEN:
        raise ApplicationError(
            "This dispute is closed.", code=PaymentErrorCode.DISPUTE_CLOSED, status=409
        )
    if dispute.evidence_due_by and dispute.evidence_due_by < timezone.now():
        raise ApplicationError(
            "The deadline for evidence has passed.",
            code=PaymentErrorCode.EVIDENCE_PAST_DUE,
            status=409,
        )
    payment = dispute.payment
    evidence = dispute_evidence(payment=payment)
    try:
        get_gateway(payment.gateway).submit_dispute_evidence(dispute=dispute, evidence=evidence)
    except (TransientGatewayError, GatewayUnavailable) as exc:
        logger.warning("dispute_evidence_not_sent dispute_id=%s error=%r", dispute.pk, str(exc))
        raise ApplicationError(
            "The card network cannot be reached right now; try again soon.",
            code=PaymentErrorCode.GATEWAY_UNAVAILABLE,
            status=503,
        ) from exc
    Dispute.objects.filter(pk=dispute.pk).update(
        evidence=evidence, evidence_submitted_at=timezone.now()
    )
    dispute.refresh_from_db()
    return dispute
