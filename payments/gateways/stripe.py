"""Stripe: PaymentIntents created and confirmed in one call, keyed by the
payment's id; refunds keyed by the refund's; disputes answered with evidence."""

from datetime import UTC, datetime

import stripe

from payments.gateways.base import (
    BrowserIntent,
    ChargeResult,
    GatewayRecord,
    GatewayUnavailable,
    RefundResult,
    TransientGatewayError,
)
from payments.models import Outcome

TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
# Kassa's or the operator's errors, never the card's: a decline would cancel
# the buyer's order for a key someone revoked.
UNAVAILABLE = {
    stripe.AuthenticationError: "authentication",
    stripe.PermissionError: "permission",
    stripe.InvalidRequestError: "invalid_request",
    stripe.IdempotencyError: "idempotency",
}
REFUND_OUTCOMES = {
    "succeeded": Outcome.SUCCEEDED,
    "pending": Outcome.PENDING,
    "requires_action": Outcome.PENDING,
}


def _unavailable(exc: stripe.StripeError) -> GatewayUnavailable:
    kind = next((kind for cls, kind in UNAVAILABLE.items() if isinstance(exc, cls)), "other")
    return GatewayUnavailable(kind, str(exc))


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


class StripeGateway:
    name = "stripe"

    def __init__(self, *, api_key: str, api_base: str | None, timeout: float):
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            # Retries belong to the Celery task, which keeps the same key.
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def charge(self, *, payment, attempt: int) -> ChargeResult:
        """Create and confirm the PaymentIntent, or, when an earlier attempt left one
        pending, look at it: a repeated create would only replay Stripe's first answer."""
        try:
            if payment.gateway_reference:
                intent = self.client.v1.payment_intents.retrieve(payment.gateway_reference)
            else:
                intent = self.client.v1.payment_intents.create(
                    params={
                        "amount": payment.amount,
                        "currency": payment.currency.lower(),
                        "payment_method": payment.card_token,
                        "confirm": True,
                        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
                        "metadata": {"payment_id": str(payment.pk)},
                    },
                    options={"idempotency_key": payment.gateway_idempotency_key},
                )
        except stripe.CardError as exc:
            return ChargeResult(Outcome.DECLINED, "", exc.user_message or str(exc))
        except TRANSIENT as exc:
            raise TransientGatewayError(str(exc)) from exc
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc
        summary = {"id": intent["id"], "status": intent["status"]}
        if intent["status"] == "succeeded":
            return ChargeResult(Outcome.SUCCEEDED, intent["id"], summary=summary)
        if intent["status"] == "requires_payment_method" and not payment.card_token:
            # Confirmed in the customer's browser (Payment Element): not yet.
            return ChargeResult(Outcome.PENDING, intent["id"], summary=summary)
        if intent["status"] in ("requires_payment_method", "canceled"):
            return ChargeResult(
                Outcome.DECLINED, intent["id"], "The card was not accepted.", summary
            )
        # processing, requires_action, requires_capture: a webhook will tell.
        return ChargeResult(Outcome.PENDING, intent["id"], summary=summary)

    def prepare_for_browser(self, *, payment) -> BrowserIntent:
        """An unconfirmed PaymentIntent for the Payment Element. Keyed like a charge,
        so asking again (a reloaded page) returns the same intent."""
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": payment.amount,
                    "currency": payment.currency.lower(),
                    "automatic_payment_methods": {"enabled": True},
                    "metadata": {"payment_id": str(payment.pk)},
                },
                options={"idempotency_key": payment.gateway_idempotency_key},
            )
        except TRANSIENT as exc:
            raise TransientGatewayError(str(exc)) from exc
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc
        return BrowserIntent(intent["id"], intent["client_secret"])

    def refund(self, *, payment, refund) -> RefundResult:
        """Create the refund, or, once Stripe has answered pending, ask it how the
        refund stands: a repeated create would only replay its first answer."""
        try:
            if refund.gateway_reference:
                result = self.client.v1.refunds.retrieve(refund.gateway_reference)
            else:
                result = self.client.v1.refunds.create(
                    params={
                        "payment_intent": payment.gateway_reference,
                        "amount": refund.amount,
                        "metadata": {"refund_id": str(refund.pk)},
                    },
                    options={"idempotency_key": refund.gateway_idempotency_key},
                )
        except TRANSIENT as exc:
            raise TransientGatewayError(str(exc)) from exc
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc
        outcome = REFUND_OUTCOMES.get(result["status"], Outcome.DECLINED)
        message = "" if outcome != Outcome.DECLINED else f"Refund {result['status']}."
        return RefundResult(outcome, result["id"], message)

    def submit_dispute_evidence(self, *, dispute, evidence: dict) -> None:
        try:
            self.client.v1.disputes.update(
                dispute.gateway_reference,
                params={"evidence": {k: str(v) for k, v in evidence.items()}, "submit": True},
            )
        except TRANSIENT as exc:
            raise TransientGatewayError(str(exc)) from exc
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc

    def records(self, *, since: datetime) -> list[GatewayRecord]:
        """Stripe's charges (PaymentIntents), refunds and disputes since `since`."""
        created = {"gte": int(since.timestamp())}
        try:
            intents = self.client.v1.payment_intents.list(params={"created": created, "limit": 100})
            refunds = self.client.v1.refunds.list(params={"created": created, "limit": 100})
            disputes = self.client.v1.disputes.list(params={"created": created, "limit": 100})
            return [
                *(
                    GatewayRecord(
                        "charge",
                        i["id"],
                        i["amount"],
                        i["currency"].upper(),
                        i["status"],
                        _at(i["created"]),
                    )
                    for i in intents.auto_paging_iter()
                ),
                *(
                    GatewayRecord(
                        "refund",
                        r["id"],
                        r["amount"],
                        r["currency"].upper(),
                        r["status"],
                        _at(r["created"]),
                        r["payment_intent"] or "",
                    )
                    for r in refunds.auto_paging_iter()
                ),
                *(
                    GatewayRecord(
                        "dispute",
                        d["id"],
                        d["amount"],
                        d["currency"].upper(),
                        d["status"],
                        _at(d["created"]),
                        d["payment_intent"] or "",
                    )
                    for d in disputes.auto_paging_iter()
                ),
            ]
        except TRANSIENT as exc:
            raise TransientGatewayError(str(exc)) from exc
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc
