from django.db import IntegrityError, transaction

from accounts.models import User
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.task_names import PROCESS_PAYMENT
from orders.errors import OrderErrorCode
from orders.locks import order_qs_for_update
from orders.models import Order
from payments.errors import PaymentErrorCode
from payments.gateways import get_gateway
from payments.locks import checkout_qs_for_update
from payments.models import Checkout, Payment
from payments.state import checkout_set_status

PAID_STATUSES = (Order.Status.PAID, Order.Status.FULFILLED, Order.Status.REFUNDED)


def _already_paid() -> ApplicationError:
    return ApplicationError(
        "This has already been paid.", code=PaymentErrorCode.ALREADY_PAID, status=409
    )


def _in_progress() -> ApplicationError:
    return ApplicationError(
        "A payment for this is already being processed.",
        code=PaymentErrorCode.PAYMENT_IN_PROGRESS,
        status=409,
    )


def _create(**fields) -> Payment:
    # The partial unique constraints (one live payment per order / checkout)
    # decide a race between two requests that both passed the checks.
    try:
        with transaction.atomic():
            return Payment.objects.create(gateway=get_gateway().name, **fields)
    except IntegrityError as exc:
        raise _in_progress() from exc


def _enqueue(payment: Payment) -> None:
    enqueue_on_commit(PROCESS_PAYMENT, str(payment.pk))


def _create_order_payment(*, order: Order, payer: User, card_token: str) -> Payment:
    order = order_qs_for_update().get(pk=order.pk)
    if order.status in PAID_STATUSES:
        raise _already_paid()
    if (
        order.status != Order.Status.PAYMENT_PENDING
        or order.payment_method != Order.PaymentMethod.CARD
    ):
        raise ApplicationError(
            f"An order in {order.status} paid by {order.payment_method} cannot be paid by card.",
            code=OrderErrorCode.INVALID_TRANSITION,
            status=409,
        )
    if order.payments.filter(
        status__in=[Payment.Status.PENDING, Payment.Status.PROCESSING]
    ).exists():
        raise _in_progress()
    return _create(
        purpose=Payment.Purpose.ORDER,
        order=order,
        payer=payer,
        amount=order.total,
        currency=order.currency,
        card_token=card_token,
    )


@transaction.atomic
def payment_create_for_order(*, order: Order, payer: User, card_token: str) -> Payment:
    """Start charging a card order; the Celery task does the charging.

    Raises already_paid / payment_in_progress (409), or invalid_transition
    (409) when the order is not waiting for a card payment.
    """
    payment = _create_order_payment(order=order, payer=payer, card_token=card_token)
    _enqueue(payment)
    return payment


def payment_start_in_browser(*, order: Order, payer: User) -> tuple[Payment, str]:
    """Start a card payment the customer confirms in the browser (Stripe's Payment
    Element); returns the payment and the client secret the page needs.

    In phases, like a charge: the payment row first, then the gateway with no
    transaction open, then its reference. A reloaded page resumes the same
    payment and intent. Nothing is enqueued: Stripe's webhook settles it, and
    the reconciler's look at the intent leaves it pending until the customer
    confirms. Raises as payment_create_for_order does, and TransientGatewayError.
    """
    live = order.payments.filter(
        status__in=[Payment.Status.PENDING, Payment.Status.PROCESSING], card_token=""
    ).first()
    with transaction.atomic():
        payment = live or _create_order_payment(order=order, payer=payer, card_token="")
    intent = get_gateway(payment.gateway).prepare_for_browser(payment=payment)
    if Payment.objects.filter(pk=payment.pk, gateway_reference="").update(
        gateway_reference=intent.reference
    ):
        payment.gateway_reference = intent.reference
    return payment, intent.client_secret


@transaction.atomic
def payment_create_for_checkout(
    *, checkout: Checkout, payer: User, method: str, card_token: str = ""
) -> Payment:
    """Start paying a merchant's checkout by card or from the payer's wallet."""
    checkout = checkout_qs_for_update().get(pk=checkout.pk)
    if checkout.merchant_id == payer.pk:
        raise ApplicationError(
            "Merchants cannot pay their own checkout.",
            code=PaymentErrorCode.OWN_CHECKOUT,
            status=422,
        )
    if checkout.status == Checkout.Status.COMPLETED:
        raise _already_paid()
    if checkout.status == Checkout.Status.PROCESSING:
        raise _in_progress()
    payment = _create(
        purpose=Payment.Purpose.CHECKOUT,
        method=method,
        checkout=checkout,
        payer=payer,
        amount=checkout.amount,
        currency=checkout.currency,
        card_token=card_token,
    )
    checkout_set_status(checkout, Checkout.Status.PROCESSING)
    _enqueue(payment)
    return payment


def payment_create_topup(
    *,
    payer: User,
    amount: int,
    currency: str,
    card_token: str,
    request_key: str,
    description: str = "",
) -> Payment:
    """The payment behind a card deposit, one per (payer, Idempotency-Key).

    A repeated request finds the same payment and resumes it, so a retried
    deposit never charges the card twice.
    """
    try:
        with transaction.atomic():
            return Payment.objects.create(
                purpose=Payment.Purpose.TOPUP,
                payer=payer,
                amount=amount,
                currency=currency,
                card_token=card_token,
                description=description,
                request_key=request_key,
                gateway=get_gateway().name,
            )
    except IntegrityError:
        return Payment.objects.get(payer=payer, request_key=request_key)
