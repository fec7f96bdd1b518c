"""Errors to Sentry when SENTRY_DSN is set (Django and Celery integrations), with
card tokens, codes, passwords, JWTs and authorisation headers scrubbed. Without
a DSN nothing is initialised and nothing is sent."""

import re

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

FILTERED = "[Filtered]"
# Field names whose values never leave Kassa (beyond Sentry's own list).
DENYLIST = [
    *DEFAULT_DENYLIST,
    "card_token",
    "payment_method",
    "code",
    "codes",
    "refresh",
    "access",
    "old_password",
    "new_password",
    "idempotency_key",
    "form_key",
    "client_secret",
]
# Values that are secrets wherever they appear (messages, stack locals).
SECRET_VALUES = re.compile(
    r"tok_[A-Za-z0-9_]+|pm_[A-Za-z0-9_]+|eyJ[\w-]+\.[\w-]+\.[\w-]+|pi_\w+_secret_\w+"
)


def _scrub_values(value):
    if isinstance(value, str):
        return SECRET_VALUES.sub(FILTERED, value)
    if isinstance(value, dict):
        return {key: _scrub_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_values(item) for item in value]
    return value


def scrub_event(event, hint):
    """before_send: whatever the key-based scrubber let through, no token-shaped
    value survives."""
    return _scrub_values(event)


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float, **options) -> bool:
    """Start the SDK when a DSN is configured; returns whether it did."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        event_scrubber=EventScrubber(denylist=DENYLIST, recursive=True),
        before_send=scrub_event,
        traces_sample_rate=traces_sample_rate,
        **options,
    )
    return True
