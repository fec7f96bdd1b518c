"""A merchant's webhook endpoints: made, changed, their secrets rolled, tested."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core import crypto
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.task_names import DELIVER_WEBHOOKS, SEND_TEST_WEBHOOK
from events import outbound, signing
from events.errors import EventErrorCode
from events.locks import webhook_endpoint_qs_for_update
from events.models import WebhookDelivery, WebhookEndpoint, WebhookSecret
from events.state import endpoint_set_status
from events.types import EVERY_TYPE, TEST_TYPE, is_registered

E = WebhookEndpoint.Status


def _event_types(event_types: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(event_types))
    unknown = [name for name in chosen if name != EVERY_TYPE and not is_registered(name)]
    message = ""
    if not chosen:
        message = f'Choose at least one event type, or "{EVERY_TYPE}" for all of them.'
    elif unknown:
        message = f"Unknown event types: {', '.join(unknown)}."
    if message:
        raise ApplicationError(
            message,
            code=EventErrorCode.UNKNOWN_EVENT_TYPE,
            extra={"errors": {"events": [message]}},
        )
    return [EVERY_TYPE] if EVERY_TYPE in chosen else chosen


def _add_secret(endpoint: WebhookEndpoint) -> str:
    secret = signing.new_secret()
    WebhookSecret.objects.create(endpoint=endpoint, ciphertext=crypto.encrypt(secret))
    return secret


@transaction.atomic
def webhook_endpoint_create(
    *, merchant: User, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (returned once here; "Reveal"
    shows it again). Refuses (400) a URL that is not https://, does not resolve
    or resolves to a private address (events.outbound), and unknown types."""
    endpoint = WebhookEndpoint.objects.create(
        merchant=merchant,
        url=outbound.url_check(url),
        event_types=_event_types(event_types),
        description=description,
    )
    return endpoint, _add_secret(endpoint)


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what was given. Enabling a disabled endpoint resumes its queue;
    events from while it was disabled are not queued (GET /events?after=)."""
    endpoint = webhook_endpoint_qs_for_update().get(pk=endpoint.pk)
    changed = []
    if url is not None:
        endpoint.url = outbound.url_check(url)
        changed.append("url")
    if event_types is not None:
        endpoint.event_types = _event_types(event_types)
        changed.append("event_types")
    if description is not None:
        endpoint.description = description
        changed.append("description")
    if changed:
        endpoint.save(update_fields=[*changed, "updated_at"])
    if enabled is True and endpoint.status == E.DISABLED:
        endpoint_set_status(endpoint, E.ACTIVE, disabled_reason="")
        enqueue_on_commit(DELIVER_WEBHOOKS, str(endpoint.pk))
    elif enabled is False and endpoint.status == E.ACTIVE:
        endpoint_set_status(endpoint, E.DISABLED, disabled_reason="Disabled by the merchant.")
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """The endpoint, its secrets and its delivery log go; the events stay."""
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_roll_secret(*, endpoint: WebhookEndpoint) -> str:
    """A new signing secret. The one it replaces stays valid beside it for
    WEBHOOK_SECRET_GRACE_HOURS (deliveries carry a signature for each), so
    rolling twice in a row locks no receiver out."""
    endpoint = webhook_endpoint_qs_for_update().get(pk=endpoint.pk)
    grace = timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS)
    endpoint.secrets.filter(expires_at__isnull=True).update(expires_at=timezone.now() + grace)
    return _add_secret(endpoint)


@transaction.atomic
def webhook_endpoint_send_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A signed "webhook.test" delivery, sent once, outside the stream: it has
    no sequence and neither waits for the queue nor holds it up."""
    delivery = WebhookDelivery(endpoint=endpoint, event_type=TEST_TYPE)
    delivery.test_body = {
        "id": str(delivery.pk),
        "type": TEST_TYPE,
        "sequence": None,
        "created_at": timezone.now().isoformat(),
        "data": {"message": "A test event from Kassa: your endpoint is reachable."},
    }
    delivery.save(force_insert=True)
    enqueue_on_commit(SEND_TEST_WEBHOOK, str(delivery.pk))
    return delivery
