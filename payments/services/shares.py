"""Who received a card payment's money, and so who gives it back: the merchants
of an order (or a payment link), the payer of a top-up."""

from dataclasses import dataclass

from orders.models import Order
from payments.models import Payment
from wallets.models import Wallet
from wallets.services import system_wallet, wallet_get_or_create_many


@dataclass(frozen=True)
class Share:
    wallet: Wallet
    amount: int


def refund_shares(payment: Payment, amount: int) -> list[Share]:
    """The wallets that received this payment's money and give `amount` back."""
    currency = payment.currency
    if payment.late_capture:
        # Nothing was settled: the money sits with the card network's side.
        funding = system_wallet(name=Wallet.System.CARD_FUNDING, currency=currency)
        return [Share(funding, amount)]
    if payment.purpose == Payment.Purpose.TOPUP:
        receivers = {payment.payer_id: (payment.payer, amount)}
    elif payment.purpose == Payment.Purpose.CHECKOUT:
        receivers = {payment.checkout.merchant_id: (payment.checkout.merchant, amount)}
    else:
        receivers = _refund_merchant_shares(payment.order, amount)
    wallets = wallet_get_or_create_many(
        users=[user for user, _ in receivers.values()], currency=currency
    )
    return [Share(wallets[pk], share) for pk, (_, share) in receivers.items()]


def sale_reference(payment: Payment) -> str:
    """The reference a merchant's pending proceeds from this payment carry ("" when
    it paid no merchant: a top-up, or a late capture that settled nothing)."""
    if payment.late_capture or payment.purpose == Payment.Purpose.TOPUP:
        return ""
    if payment.purpose == Payment.Purpose.CHECKOUT:
        return f"payment:{payment.pk}"
    return f"order:{payment.order_id}"


def _refund_merchant_shares(order: Order, amount: int) -> dict:
    """{merchant pk: (merchant, share)}: a full first refund is split by the lines'
    subtotals; a partial one comes from the single merchant (checked by the caller)."""
    items = list(order.items.select_related("merchant"))
    if amount == order.total and order.refunded_amount == 0:
        shares: dict = {}
        for item in items:
            merchant, subtotal = shares.get(item.merchant_id, (item.merchant, 0))
            shares[item.merchant_id] = (merchant, subtotal + item.subtotal)
        return shares
    return {items[0].merchant_id: (items[0].merchant, amount)}


def receiver_amounts(payment: Payment, amount: int) -> dict:
    """{receiver pk: their part of `amount`}, in proportion to what each received
    (an order's merchants by their lines' subtotals), the largest remainders
    rounded up so the parts add up to `amount` exactly. For money that leaves
    without the merchants' say: a refund made at the gateway, a dispute."""
    if payment.purpose == Payment.Purpose.TOPUP:
        return {payment.payer_id: amount}
    if payment.purpose == Payment.Purpose.CHECKOUT:
        return {payment.checkout.merchant_id: amount}
    received: dict = {}
    for item in payment.order.items.all():
        received[item.merchant_id] = received.get(item.merchant_id, 0) + item.subtotal
    total = sum(received.values())
    parts = {pk: amount * share // total for pk, share in received.items()}
    by_remainder = sorted(received, key=lambda pk: (amount * received[pk]) % total, reverse=True)
    for pk in by_remainder[: amount - sum(parts.values())]:
        parts[pk] += 1
    return {pk: part for pk, part in parts.items() if part}
