"""Stripe webhooks: verified, stored raw, processed once per event id, never
moving a payment backwards."""

import logging
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.metrics import WEBHOOK_DUPLICATES, WEBHOOK_SIGNATURE_FAILURES
from payments.errors import PaymentErrorCode
from payments.locks import payment_qs_for_update, webhook_event_qs_for_update
from payments.models import Payment, PaymentRefund, WebhookEvent
from payments.services.processing import payment_fail, payment_succeed
from payments.state import payment_set_refunded

logger = logging.getLogger("kassa.payments")
KEPT_HEADERS = ("Stripe-Signature", "Content-Type", "User-Agent", "Content-Length")


def webhook_receive_stripe(*, payload: bytes, headers) -> WebhookEvent:
    """Verify, store and process one delivery. Raises invalid_signature (400)."""
    stored_headers = {name: headers.get(name, "") for name in KEPT_HEADERS}
    body = payload.decode("utf-8", errors="replace")
    try:
        event = stripe.Webhook.construct_event(
            payload, headers.get("Stripe-Signature"), settings.STRIPE_WEBHOOK_SECRET
        ).to_dict()
    except (ValueError, stripe.SignatureVerificationError) as exc:
        WebhookEvent.objects.create(headers=stored_headers, body=body, error=str(exc)[:2000])
        WEBHOOK_SIGNATURE_FAILURES.inc()
        raise ApplicationError(
            "The webhook signature is missing or invalid.",
            code=PaymentErrorCode.INVALID_SIGNATURE,
        ) from exc
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                event_id=event["id"],
                event_type=event["type"],
                headers=stored_headers,
                body=body,
                signature_valid=True,
            )
    except IntegrityError:
        record = WebhookEvent.objects.get(event_id=event["id"])
    return _process(record.pk, event)


@transaction.atomic
def _process(record_id, event) -> WebhookEvent:
    # The event row lock makes two deliveries of one event take turns; the
    # second then sees it processed. Nothing else locks event rows.
    record = webhook_event_qs_for_update().get(pk=record_id)
    if record.processed:
        logger.info("webhook_duplicate event_id=%s", record.event_id)
        WEBHOOK_DUPLICATES.inc()
        return record
    try:
        record.error = _apply(event)
    except ApplicationError as exc:
        record.error = f"{exc.code}: {exc.message}"
    record.processed = True
    record.processed_at = timezone.now()
    record.save(update_fields=["processed", "processed_at", "error"])
    logger.info(
        "webhook_processed event_id=%s type=%s note=%r",
        record.event_id,
        record.event_type,
        record.error,
    )
    return record


def _find_payment(intent_id: str, metadata) -> Payment | None:
    payment_id = (metadata or {}).get("payment_id")
    queryset = Payment.objects.all()
    if payment_id:
        return queryset.filter(pk=payment_id).first()
    return queryset.filter(gateway_reference=intent_id).first() if intent_id else None


def _apply(event) -> str:
    """Apply the event; returns a note for the stored record ("" when applied)."""
    kind = event["type"]
    obj = event["data"]["object"]
    if kind not in ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"):
        return f"ignored event type {kind}"
    intent_id = obj["id"] if kind.startswith("payment_intent") else obj["payment_intent"]
    payment = _find_payment(intent_id, obj.get("metadata"))
    if payment is None:
        return f"no payment for {intent_id}"
    event_at = datetime.fromtimestamp(event["created"], tz=UTC)
    if payment.last_event_at and event_at < payment.last_event_at:
        return "stale event: a newer one was already applied"

    if kind == "payment_intent.succeeded":
        if obj["amount"] != payment.amount or str(obj["currency"]).upper() != payment.currency:
            logger.error("webhook_amount_mismatch payment_id=%s", payment.pk)
            return (
                f"amount mismatch: event {obj['amount']} {obj['currency']}, "
                f"payment {payment.amount} {payment.currency}; not applied"
            )
        payment_succeed(payment_id=payment.pk, reference=intent_id, event_at=event_at)
    elif kind == "payment_intent.payment_failed":
        message = (obj.get("last_payment_error") or {}).get("message") or "declined"
        payment_fail(
            payment_id=payment.pk,
            code=PaymentErrorCode.CARD_DECLINED,
            message=message,
            event_at=event_at,
        )
    else:
        return _apply_refund_notice(payment, obj, event_at)
    return ""


def _apply_refund_notice(payment: Payment, charge, event_at) -> str:
    refunded = min(charge["amount_refunded"], payment.amount)
    payment = payment_qs_for_update().get(pk=payment.pk)
    in_flight = payment.refunds.filter(status=PaymentRefund.Status.PENDING).count()
    if refunded <= payment.refunded_amount or in_flight:
        # Kassa's own refund: recorded already, or recorded by its phase 3 soon.
        return "refund already recorded or in progress"
    # A refund made outside Kassa (say in Stripe's dashboard): the payment
    # records it; the ledger reversal is for staff to decide (docs/payments.md).
    payment_set_refunded(payment, refunded, last_event_at=event_at)
    return "refund made outside Kassa recorded on the payment only"
