"""The only place events' rows are locked, and the relay's lock."""

import zlib

from django.db import connection

from events.models import WebhookDelivery, WebhookEndpoint, WebhookSecret

# One number for "the relay" among every advisory lock of the database.
RELAY_LOCK_KEY = zlib.crc32(b"kassa.events.relay")


def relay_lock() -> None:
    """Make this transaction the only relay until it ends.

    PostgreSQL: a transaction-scoped advisory lock, so a relay that dies lets
    go with its connection. SQLite has no advisory locks and needs none: its
    transactions begin IMMEDIATE (config/settings/base.py), so a writing
    transaction, the relay's included, runs alone from its first statement."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RELAY_LOCK_KEY])


def webhook_endpoint_qs_for_update():
    return WebhookEndpoint.objects.order_by("pk").select_for_update()


def webhook_delivery_qs_for_update():
    # Lock order: the endpoint, then its deliveries. of=("self",): the delivery
    # row only, so its event (a nullable join) may come along.
    return WebhookDelivery.objects.order_by("pk").select_for_update(of=("self",))


def webhook_secret_qs_for_update():
    return WebhookSecret.objects.order_by("pk").select_for_update()
