"""Card gateways behind one small interface, chosen by PAYMENT_GATEWAY.

A gateway never touches the database. It answers a charge with a
ChargeResult (succeeded, declined or pending) or raises TransientGatewayError
for anything worth retrying (timeouts, connection errors, 5xx, rate limits).
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache

import stripe
from django.conf import settings

from payments.models import Outcome


class TransientGatewayError(Exception):
    """The gateway could not give an answer this time; the same request may succeed."""


@dataclass(frozen=True)
class ChargeResult:
    outcome: Outcome  # SUCCEEDED, DECLINED or PENDING
    reference: str = ""
    message: str = ""
    summary: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BrowserIntent:
    """A payment the customer's browser confirms (Stripe's Payment Element)."""

    reference: str
    client_secret: str


@dataclass(frozen=True)
class RefundResult:
    outcome: Outcome  # SUCCEEDED or DECLINED
    reference: str = ""
    message: str = ""


# The simulated gateway's test cards, in plain words (the storefront's card
# select and the browsable API's descriptions name them).
TEST_CARDS = [
    ("tok_visa", "Visa ending 4242 — pays at once"),
    ("tok_flaky", "Flaky card — the gateway fails twice, then pays"),
    ("tok_chargeDeclined", "Card that is declined"),
    ("tok_timeout", "Card whose gateway never answers"),
]


class SimulatedGateway:
    """No keys, no network. Test tokens decide the outcome:

    tok_visa → success; tok_chargeDeclined → declined; tok_flaky → a transient
    error on the first two attempts, then success; tok_timeout → a transient
    error on every attempt. Any other token is declined as invalid.
    """

    name = "simulated"

    def __init__(self, latency_ms: int = 0):
        self.latency = latency_ms / 1000

    def charge(self, *, payment, attempt: int) -> ChargeResult:
        if self.latency:
            time.sleep(self.latency)
        token = payment.card_token
        reference = f"sim_{payment.pk.hex[:24]}"
        if token == "tok_visa" or (token == "tok_flaky" and attempt > 2):
            return ChargeResult(Outcome.SUCCEEDED, reference, summary={"token": token})
        if token in ("tok_flaky", "tok_timeout"):
            raise TransientGatewayError(f"simulated gateway timeout on attempt {attempt}")
        if token == "tok_chargeDeclined":
            return ChargeResult(
                Outcome.DECLINED, reference, "Your card was declined.", {"token": token}
            )
        return ChargeResult(
            Outcome.DECLINED, "", f"Unknown card token {token!r}.", {"token": token}
        )

    def refund(self, *, payment, refund) -> RefundResult:
        return RefundResult(Outcome.SUCCEEDED, f"sim_re_{refund.pk.hex[:24]}")


class StripeGateway:
    """PaymentIntents created and confirmed in one call, keyed by the payment id."""

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
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise TransientGatewayError(str(exc)) from exc
        except stripe.APIError as exc:
            raise TransientGatewayError(str(exc)) from exc
        except stripe.StripeError as exc:
            return ChargeResult(Outcome.DECLINED, "", exc.user_message or str(exc))
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
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
            raise TransientGatewayError(str(exc)) from exc
        return BrowserIntent(intent["id"], intent["client_secret"])

    def refund(self, *, payment, refund) -> RefundResult:
        try:
            result = self.client.v1.refunds.create(
                params={"payment_intent": payment.gateway_reference, "amount": refund.amount},
                options={"idempotency_key": refund.gateway_idempotency_key},
            )
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
            raise TransientGatewayError(str(exc)) from exc
        except stripe.StripeError as exc:
            return RefundResult(Outcome.DECLINED, "", exc.user_message or str(exc))
        if result["status"] in ("succeeded", "pending"):
            return RefundResult(Outcome.SUCCEEDED, result["id"])
        return RefundResult(Outcome.DECLINED, result["id"], f"Refund {result['status']}.")


@cache
def _build(name: str, api_key: str, api_base: str, timeout: float, latency_ms: int):
    if name == "stripe":
        return StripeGateway(api_key=api_key, api_base=api_base or None, timeout=timeout)
    return SimulatedGateway(latency_ms=latency_ms)


def browser_payments_enabled() -> bool:
    """Whether card payments are confirmed in the browser by Stripe's Payment Element."""
    return settings.PAYMENT_GATEWAY == "stripe" and bool(settings.STRIPE_PUBLISHABLE_KEY)


# The gateway new payments go through when not the configured one (seed_demo's
# card orders use the simulated gateway whatever PAYMENT_GATEWAY says).
_new_payments_gateway: ContextVar[str | None] = ContextVar("new_payments_gateway", default=None)


@contextmanager
def new_payments_through(name: str):
    """Payments created inside go through the gateway `name`; each payment keeps
    the gateway it was made with for its charge and its refunds."""
    token = _new_payments_gateway.set(name)
    try:
        yield
    finally:
        _new_payments_gateway.reset(token)


def get_gateway(name: str | None = None):
    """The gateway called `name` (a payment's own), else the one new payments use."""
    return _build(
        name or _new_payments_gateway.get() or settings.PAYMENT_GATEWAY,
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS,
        settings.SIMULATED_GATEWAY_LATENCY_MS,
    )
