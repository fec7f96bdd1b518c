"""Card refunds, in the same three phases as charges: reserve the amount, call
the gateway with no transaction open, then record it and reverse the ledger."""

import logging

from django.db import transaction
from django.db.models import Sum

from accounts.models import User
from core.exceptions import ApplicationError
from orders.models import Order
from orders.services import order_record_refund
from payments.errors import PaymentErrorCode
from payments.gateways import TransientGatewayError, get_gateway
from payments.locks import payment_qs_for_update
from payments.models import Payment, PaymentRefund
from wallets.locks import wallet_qs_for_update
from wallets.models import Transfer, Wallet
from wallets.services import system_wallet, transfer, wallet_get_or_create_many

logger = logging.getLogger("kassa.payments")
S = Payment.Status


def _refundable(payment: Payment) -> int:
    pending = payment.refunds.filter(status=PaymentRefund.Status.PENDING).aggregate(s=Sum("amount"))
    return payment.amount - payment.refunded_amount - (pending["s"] or 0)


def payment_refund_order(
    *, order: Order, amount: int | None, actor: User | None, reason: str = "", request_key: str = ""
) -> PaymentRefund:
    """Refund a card order through the gateway, in full or in part.

    Never more than was paid (refund_too_large, 422). A partial refund needs an
    order with a single merchant, who gives the money back.
    """
    payment = order.payments.filter(status__in=Payment.CAPTURED).first()
    if payment is None:
        raise ApplicationError(
            "This order has no captured card payment to refund.",
            code=PaymentErrorCode.NOT_PAYABLE,
            status=409,
        )
    amount = amount or _refundable(payment)
    if (
        amount < order.total - order.refunded_amount
        and len({i.merchant_id for i in order.items.all()}) > 1
    ):
        raise ApplicationError(
            "Orders with several merchants can only be refunded in full.",
            code="partial_refund_unsupported",
            status=422,
        )
    return payment_refund(
        payment=payment, amount=amount, actor=actor, reason=reason, request_key=request_key
    )


def payment_refund(
    *, payment: Payment, amount: int, actor: User | None, reason: str = "", request_key: str = ""
) -> PaymentRefund:
    """Refund `amount` of a captured payment. A repeated request_key resumes the same refund."""
    with transaction.atomic():
        payment = payment_qs_for_update().get(pk=payment.pk)
        existing = request_key and payment.refunds.filter(request_key=request_key).first()
        if existing:
            refund = existing
        else:
            if payment.status not in Payment.CAPTURED or payment.method != Payment.Method.CARD:
                raise ApplicationError(
                    "Only captured card payments can be refunded.",
                    code=PaymentErrorCode.NOT_PAYABLE,
                    status=409,
                )
            if amount <= 0 or amount > _refundable(payment):
                raise ApplicationError(
                    f"At most {_refundable(payment)} can still be refunded.",
                    code=PaymentErrorCode.REFUND_TOO_LARGE,
                    status=422,
                    extra={"refundable": _refundable(payment)},
                )
            refund = PaymentRefund.objects.create(
                payment=payment,
                amount=amount,
                reason=reason,
                created_by=actor,
                request_key=request_key,
            )
    if refund.status != PaymentRefund.Status.PENDING:
        return refund

    try:
        result = get_gateway().refund(payment=payment, refund=refund)
    except TransientGatewayError as exc:
        logger.warning("refund_transient refund_id=%s error=%r", refund.pk, str(exc))
        raise ApplicationError(
            "The payment gateway did not answer; try again with the same Idempotency-Key.",
            code="gateway_unavailable",
            status=503,
        ) from exc
    if not result.succeeded:
        PaymentRefund.objects.filter(pk=refund.pk).update(status=PaymentRefund.Status.FAILED)
        raise ApplicationError(
            result.message or "The gateway refused the refund.",
            code=PaymentErrorCode.REFUND_FAILED,
            status=409,
        )
    return _record_refund(refund_id=refund.pk, reference=result.reference, actor=actor)


@transaction.atomic
def _record_refund(*, refund_id, reference: str, actor: User | None) -> PaymentRefund:
    # The refund row is locked first, out of the global order: nothing else
    # ever locks refund rows, so this cannot deadlock, and it makes recording
    # the same refund twice impossible.
    refund = PaymentRefund.objects.select_for_update().get(pk=refund_id)
    if refund.status != PaymentRefund.Status.PENDING:
        return refund
    payment = Payment.objects.select_related("order", "checkout__merchant").get(
        pk=refund.payment_id
    )
    merchants_paid = _merchants_paid(payment, refund.amount)
    funding = system_wallet(name=Wallet.System.CARD_FUNDING, currency=payment.currency)
    wallets = wallet_get_or_create_many(
        users=[merchant for merchant, _ in merchants_paid], currency=payment.currency
    )
    locked = {
        w.pk: w
        for w in wallet_qs_for_update().filter(
            pk__in=[funding.pk, *(w.pk for w in wallets.values())]
        )
    }
    for merchant, amount in merchants_paid:
        transfer(
            source=locked[wallets[merchant.pk].pk],
            target=locked[funding.pk],
            amount=amount,
            kind=Transfer.Kind.REFUND,
            reference=f"refund:{refund.pk}",
            description=refund.reason,
            created_by=actor,
        )
    if payment.order is not None:
        order_record_refund(
            order=payment.order, amount=refund.amount, actor=actor, reason=refund.reason
        )
    payment = payment_qs_for_update().get(pk=payment.pk)
    refund.status = PaymentRefund.Status.SUCCEEDED
    refund.gateway_reference = reference
    refund.save(update_fields=["status", "gateway_reference", "updated_at"])
    payment.refunded_amount += refund.amount
    payment.status = (
        S.REFUNDED if payment.refunded_amount == payment.amount else S.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["status", "refunded_amount", "updated_at"])
    logger.info(
        "refund_recorded refund_id=%s payment_id=%s amount=%s", refund.pk, payment.pk, refund.amount
    )
    return refund


def _merchants_paid(payment: Payment, amount: int) -> list[tuple[User, int]]:
    """Who received this payment's money in Kassa's ledger and gives `amount` back."""
    if payment.purpose == Payment.Purpose.CHECKOUT:
        return [(payment.checkout.merchant, amount)]
    order = payment.order
    if payment.purpose != Payment.Purpose.ORDER or order.status not in (
        Order.Status.PAID,
        Order.Status.FULFILLED,
    ):
        return []  # the money never reached a merchant (say the order was cancelled first)
    items = list(order.items.select_related("merchant"))
    if amount == order.total - order.refunded_amount and order.refunded_amount == 0:
        shares: dict = {}
        for item in items:
            merchant, subtotal = shares.get(item.merchant_id, (item.merchant, 0))
            shares[item.merchant_id] = (merchant, subtotal + item.subtotal)
        return list(shares.values())
    return [(items[0].merchant, amount)]  # partial: single-merchant orders only
