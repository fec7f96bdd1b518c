"""Card gateways behind one small interface, chosen by PAYMENT_GATEWAY; each
payment keeps the gateway it was made with for its charge, refunds and disputes.

A gateway answers a charge with a ChargeResult (succeeded, declined or pending)
and a refund with a RefundResult; it raises TransientGatewayError for anything
worth retrying (timeouts, connection errors, 5xx, rate limits) and
GatewayUnavailable when it refuses Kassa itself (a revoked key).
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.conf import settings

from payments.gateways.base import (
    BrowserIntent,
    ChargeResult,
    GatewayRecord,
    GatewayUnavailable,
    RefundResult,
    TransientGatewayError,
)
from payments.gateways.simulated import TEST_CARDS, SimulatedGateway
from payments.gateways.stripe import StripeGateway

__all__ = [
    "TEST_CARDS",
    "BrowserIntent",
    "ChargeResult",
    "GatewayRecord",
    "GatewayUnavailable",
    "RefundResult",
    "SimulatedGateway",
    "StripeGateway",
    "TransientGatewayError",
    "browser_payments_enabled",
    "get_gateway",
    "new_payments_through",
]


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
