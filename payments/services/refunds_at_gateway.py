"""Refunds the gateway made without Kassa (say in Stripe's dashboard), recorded
as Kassa's own are: the order learns it (stock, codes, REFUNDED once all is
back) and the money comes back from whoever received it, the sale's pending
proceeds first, then available, then the merchant's debt for what is missing."""

import logging

from django.db import IntegrityError, transaction

from events.services import events_record
from orders.services import order_record_card_refund
from payments.events import REFUND_SUCCEEDED, refund_events
from payments.locks import payment_qs_for_update
from payments.models import Payment, PaymentRefund
from payments.services.refund_outcomes import merchant_shares_of_refund
from payments.services.shares import receiver_amounts, sale_reference
from payments.state import payment_set_refunded, refund_set_status
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
R = PaymentRefund.Status


@transaction.atomic
def refund_record_made_at_gateway(
    *, payment: Payment, amount: int, reference: str, event_at=None
) -> PaymentRefund | None:
    """Record a refund of `amount` the gateway made as `reference`. Idempotent:
    None when it is known already (or nothing is left to refund)."""
    payment = Payment.objects.select_related("order", "checkout", "payer").get(pk=payment.pk)
    amount = min(amount, payment.amount - payment.refunded_amount)
    if amount <= 0 or PaymentRefund.objects.filter(gateway_reference=reference).exists():
        return None
    try:
        with transaction.atomic():
            refund = PaymentRefund.objects.create(
                payment=payment,
                amount=amount,
                reason="refunded at the gateway",
                gateway_reference=reference,
                made_at_gateway=True,
            )
    except IntegrityError:  # the same notice, delivered twice at once
        return None
    funding = system_wallet(name=Wallet.System.CARD_FUNDING, currency=payment.currency)
    if not payment.late_capture:  # a late capture settled nothing: nobody gives back
        _take_back(payment, refund, funding)
    if payment.order is not None and not payment.late_capture:
        order_record_card_refund(
            order=payment.order, amount=amount, actor=None, reason="refunded at the gateway"
        )
    payment = payment_qs_for_update().get(pk=payment.pk)
    payment_set_refunded(payment, payment.refunded_amount + amount, last_event_at=event_at)
    refund_set_status(refund, R.SUCCEEDED)
    events_record(
        refund_events(refund, payment, merchant_shares_of_refund(refund), REFUND_SUCCEEDED)
    )
    logger.warning(
        "refund_made_at_gateway refund_id=%s payment_id=%s amount=%s", refund.pk, payment.pk, amount
    )
    return refund


def _take_back(payment: Payment, refund: PaymentRefund, funding: Wallet) -> None:
    """Lock order: wallets (the receivers', their debt wallets, the sale's clearing
    shards, card funding) → proceeds, as everywhere."""
    parts = receiver_amounts(payment, refund.amount)
    wallets = wallet_get_or_create_many(user_ids=parts, currency=payment.currency)
    debts = {
        pk: debt_wallet_get_or_create(merchant_id=pk, currency=payment.currency) for pk in parts
    }
    sale = sale_reference(payment)
    clearing = pending_clearing_wallets(reference=sale) if sale else []
    locked = wallets_lock([funding, *wallets.values(), *debts.values(), *clearing])
    if sale:
        proceeds_settle_now_locked(reference=sale, locked=locked)
    moves = []
    for pk, part in parts.items():
        taken, _ = merchant_take_moves(
            available=locked[wallets[pk].pk],
            debt=locked[debts[pk].pk],
            amount=part,
            target=locked[funding.pk],
            kind=Transfer.Kind.REFUND,
            reference=refund.ledger_reference,
        )
        moves += taken
    transfers_locked(moves=moves)
