"""Stripe webhooks: verified, stored raw, processed once per event id, never
moving a payment backwards."""

import logging
import uuid
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.exceptions import ApplicationError
from core.metrics import WEBHOOK_DUPLICATES, WEBHOOK_SIGNATURE_FAILURES
from payments.errors import PaymentErrorCode
from payments.locks import webhook_event_qs_for_update
from payments.models import Payment, PaymentRefund, WebhookEvent
from payments.services.disputes import dispute_close, dispute_open
from payments.services.processing import payment_fail, payment_succeed
from payments.services.refund_outcomes import refund_gateway_update
from payments.services.refunds_at_gateway import refund_record_made_at_gateway

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


HANDLED = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "charge.refund.updated",
    "charge.dispute.created",
    "charge.dispute.closed",
)


def _apply(event) -> str:
    """Apply the event; returns a note for the stored record ("" when applied)."""
    kind = event["type"]
    obj = event["data"]["object"]
    if kind not in HANDLED:
        return f"ignored event type {kind}"
    if kind == "charge.refund.updated":
        return _apply_refund_update(obj)
    intent_id = obj["id"] if kind.startswith("payment_intent") else obj.get("payment_intent")
    payment = _find_payment(intent_id, obj.get("metadata"))
    if payment is None:
        return f"no payment for {intent_id}"
    event_at = datetime.fromtimestamp(event["created"], tz=UTC)
    if kind.startswith("charge.dispute"):
        return _apply_dispute(payment, obj, closed=kind.endswith("closed"))
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
    """charge.refunded: each refund of the charge that Kassa does not know (made
    in Stripe's dashboard, say) is recorded as Kassa's own are. Without the
    refunds listed, the part of amount_refunded that no refund of Kassa's
    (recorded or in flight) explains is recorded as one."""
    listed = (charge.get("refunds") or {}).get("data")
    if listed is not None:
        known = set(
            PaymentRefund.objects.filter(
                gateway_reference__in=[r["id"] for r in listed]
            ).values_list("gateway_reference", flat=True)
        )
        recorded = [
            refund_record_made_at_gateway(
                payment=payment, amount=r["amount"], reference=r["id"], event_at=event_at
            )
            for r in listed
            if r["id"] not in known and r.get("status") == "succeeded" and not _ours(r)
        ]
        return "" if any(recorded) else "refunds already recorded or in progress"
    explained = payment.refunded_amount + sum(
        payment.refunds.filter(status=PaymentRefund.Status.PENDING).values_list("amount", flat=True)
    )
    unexplained = min(charge["amount_refunded"], payment.amount) - explained
    if unexplained <= 0:
        return "refund already recorded or in progress"
    refund_record_made_at_gateway(
        payment=payment,
        amount=unexplained,
        reference=f"{charge['id']}:refunded:{charge['amount_refunded']}",
        event_at=event_at,
    )
    return ""


def _ours(refund) -> bool:
    """A refund Kassa asked for, whose answer Kassa has not recorded yet."""
    refund_id = (refund.get("metadata") or {}).get("refund_id")
    return _is_uuid(refund_id) and PaymentRefund.objects.filter(pk=refund_id).exists()


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _apply_refund_update(obj) -> str:
    query = Q(gateway_reference=obj["id"])
    refund_id = (obj.get("metadata") or {}).get("refund_id")
    if refund_id and _is_uuid(refund_id):
        query |= Q(pk=refund_id)
    refund = PaymentRefund.objects.filter(query).first()
    if refund is None:
        return f"no refund for {obj['id']}"
    if refund.is_final:
        return "refund already final"
    if not refund.gateway_reference:
        PaymentRefund.objects.filter(pk=refund.pk).update(gateway_reference=obj["id"])
        refund.gateway_reference = obj["id"]
    refund_gateway_update(
        refund=refund, status=obj["status"], message=obj.get("failure_reason") or ""
    )
    return ""


def _apply_dispute(payment: Payment, obj, *, closed: bool) -> str:
    due = (obj.get("evidence_details") or {}).get("due_by")
    dispute = dispute_open(
        payment=payment,
        amount=obj["amount"],
        reason=obj.get("reason") or "",
        reference=obj["id"],
        due_by=datetime.fromtimestamp(due, tz=UTC) if due else None,
    )
    if closed:
        # warning_closed: an inquiry that never became a chargeback, nothing lost.
        dispute_close(dispute=dispute, won=obj["status"] in ("won", "warning_closed"))
    return ""
