from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core import crypto
from events.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def event_list_for_merchant(
    *, merchant: User, after: int = 0, event_type: str | None = None
) -> QuerySet[Event]:
    """The merchant's stream from `after` on, oldest first: only numbered events,
    so a reader that remembers the last sequence it saw misses none."""
    queryset = Event.objects.filter(merchant=merchant, sequence__gt=after)
    if event_type:
        queryset = queryset.filter(type=event_type)
    return queryset.order_by("sequence")


def event_list_newest_for_merchant(*, merchant: User, event_type: str | None = None):
    queryset = Event.objects.filter(merchant=merchant, sequence__isnull=False)
    if event_type:
        queryset = queryset.filter(type=event_type)
    return queryset.order_by("-sequence")


def event_get_for_merchant(*, merchant: User, event_id) -> Event:
    event = Event.objects.filter(
        merchant=merchant, public_id=event_id, sequence__isnull=False
    ).first()
    if event is None:
        raise Http404
    return event


def webhook_endpoint_list_for_merchant(*, merchant: User) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(merchant=merchant).order_by("-created_at", "id")


def webhook_endpoint_get_for_merchant(*, merchant: User, endpoint_id) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(merchant=merchant, pk=endpoint_id).first()
    if endpoint is None:
        raise Http404
    return endpoint


def webhook_endpoint_signing_secrets(*, endpoint: WebhookEndpoint, now=None) -> list[str]:
    """The secrets a delivery is signed with: the current one first, then each
    rolled one still within its grace period."""
    now = now or timezone.now()
    valid = endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    return [crypto.decrypt(secret.ciphertext) for secret in valid.order_by("-created_at", "-id")]


def webhook_endpoint_secret_details(*, endpoint: WebhookEndpoint, now=None) -> dict:
    """What "Reveal" shows: the current secret, and rolled ones still valid."""
    now = now or timezone.now()
    rolled = endpoint.secrets.filter(expires_at__gt=now).order_by("-created_at", "-id")
    current = endpoint.secrets.filter(expires_at__isnull=True).first()
    return {
        "secret": crypto.decrypt(current.ciphertext) if current else "",
        "rolled": [
            {"secret": crypto.decrypt(old.ciphertext), "expires_at": old.expires_at}
            for old in rolled
        ],
    }


def webhook_delivery_list_for_merchant(
    *,
    merchant: User,
    endpoint_id=None,
    status: str | None = None,
    event_type: str | None = None,
) -> QuerySet[WebhookDelivery]:
    """The delivery log, newest first, with each delivery's attempts."""
    queryset = WebhookDelivery.objects.filter(endpoint__merchant=merchant)
    if endpoint_id:
        queryset = queryset.filter(endpoint_id=endpoint_id)
    if status:
        queryset = queryset.filter(status=status)
    if event_type:
        queryset = queryset.filter(event_type=event_type)
    return (
        queryset.select_related("event", "endpoint")
        .prefetch_related(Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("number")))
        .order_by("-created_at", "-id")
    )


def webhook_delivery_get_for_merchant(*, merchant: User, delivery_id) -> WebhookDelivery:
    delivery = webhook_delivery_list_for_merchant(merchant=merchant).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404
    return delivery
