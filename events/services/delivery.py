"""Webhook deliveries. Each endpoint's queue goes out one delivery at a time, in
sequence order: the endpoint's lease (lease_until) says a delivery is on its
way, so a second task for the endpoint leaves it to the first. The receiver is
called with no transaction or lock held, in three steps like a card charge:
claim the next delivery, POST it, record what came back.

A 2xx is delivered. Anything else, a timeout or a connection error is tried
again after WEBHOOK_RETRY_BASE_DELAY × 2ⁿ seconds, up to WEBHOOK_MAX_RETRIES
times (about three days with the defaults); the deliveries behind it wait, so
the receiver still gets the stream in order. After the last attempt the
delivery is dead-lettered (FAILED) and the queue moves on; "Redeliver" puts it
back. A 410 Gone dead-letters it at once and disables the endpoint.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.metrics import WEBHOOK_DELIVERY_ATTEMPTS
from core.task_names import DELIVER_WEBHOOKS, SEND_TEST_WEBHOOK
from events import outbound, signing
from events.errors import EventErrorCode
from events.locks import webhook_delivery_qs_for_update, webhook_endpoint_qs_for_update
from events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from events.selectors import webhook_endpoint_signing_secrets
from events.serializers import EventOutputSerializer
from events.state import delivery_set_status, endpoint_set_status

logger = logging.getLogger("kassa.webhooks")
D = WebhookDelivery.Status
E = WebhookEndpoint.Status
# A retry this soon is sent with a countdown; later ones are found by the beat
# task (webhook_deliveries_resume), as a broker keeps long countdowns badly.
COUNTDOWN_AT_MOST = 60
# How long past the timeout a lease outlives a worker that died mid-POST.
LEASE_MARGIN = 30


def _lease_seconds() -> float:
    return settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN


def _claim_head(endpoint_id) -> WebhookDelivery | None:
    """The endpoint's next delivery, if it is due and nothing is on its way;
    takes the endpoint's lease for it."""
    with transaction.atomic():
        endpoint = webhook_endpoint_qs_for_update().filter(pk=endpoint_id).first()
        now = timezone.now()
        if endpoint is None or endpoint.status != E.ACTIVE:
            return None
        if endpoint.lease_until is not None and endpoint.lease_until > now:
            return None  # the task holding it sends what follows
        head = (
            endpoint.deliveries.filter(status=D.PENDING, sequence__isnull=False)
            .order_by("sequence")
            .select_related("event", "endpoint")
            .first()
        )
        if head is None or head.next_attempt_at > now:
            return None
        endpoint.lease_until = now + timedelta(seconds=_lease_seconds())
        endpoint.save(update_fields=["lease_until"])
        return head


def _body(delivery: WebhookDelivery) -> bytes:
    if delivery.event_id is None:
        return JSONRenderer().render(delivery.test_body)
    return JSONRenderer().render(EventOutputSerializer(delivery.event).data)


def _post(delivery: WebhookDelivery) -> tuple[object, outbound.Reply]:
    body = _body(delivery)
    started_at = timezone.now()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Kassa-Webhooks/1.0",
        signing.HEADER: signing.signature_header(
            secrets=webhook_endpoint_signing_secrets(endpoint=delivery.endpoint),
            body=body,
            timestamp=int(started_at.timestamp()),
        ),
        "Kassa-Event-Type": delivery.event_type,
        "Kassa-Delivery-Id": str(delivery.pk),
    }
    if delivery.sequence is not None:
        headers[signing.SEQUENCE_HEADER] = str(delivery.sequence)
        headers["Kassa-Event-Id"] = str(delivery.event.public_id)
    return started_at, outbound.post(delivery.endpoint.url, body=body, headers=headers)


def _record(delivery: WebhookDelivery, started_at, reply: outbound.Reply) -> bool:
    """Store the attempt and what follows from it; frees the endpoint's lease.
    True when the queue may go on at once."""
    with transaction.atomic():
        endpoint = webhook_endpoint_qs_for_update().get(pk=delivery.endpoint_id)
        delivery = webhook_delivery_qs_for_update().get(pk=delivery.pk)
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts.count() + 1,
            started_at=started_at,
            duration_ms=reply.duration_ms,
            response_status=reply.status,
            response_body=reply.body,
            error=reply.error,
        )
        if delivery.sequence is not None:
            endpoint.lease_until = None
            endpoint.save(update_fields=["lease_until"])
        return _outcome(endpoint, delivery, reply)


def _outcome(endpoint: WebhookEndpoint, delivery: WebhookDelivery, reply) -> bool:
    now = timezone.now()
    failed = delivery.failed_attempts + 1
    if reply.ok:
        WEBHOOK_DELIVERY_ATTEMPTS.labels("delivered").inc()
        delivery_set_status(delivery, D.SUCCEEDED, finished_at=now)
        return True
    if reply.status == 410:
        WEBHOOK_DELIVERY_ATTEMPTS.labels("gone").inc()
        delivery_set_status(delivery, D.FAILED, finished_at=now, failed_attempts=failed)
        if endpoint.status == E.ACTIVE:
            reason = "The receiver answered 410 Gone."
            endpoint_set_status(endpoint, E.DISABLED, disabled_reason=reason)
        logger.warning("webhook_endpoint_gone endpoint_id=%s", endpoint.pk)
        return False
    # A test event is tried once: it asks whether the endpoint works now.
    if failed > settings.WEBHOOK_MAX_RETRIES or delivery.sequence is None:
        WEBHOOK_DELIVERY_ATTEMPTS.labels("dead_lettered").inc()
        delivery_set_status(delivery, D.FAILED, finished_at=now, failed_attempts=failed)
        logger.warning(
            "webhook_dead_lettered delivery_id=%s endpoint_id=%s attempts=%s",
            delivery.pk,
            endpoint.pk,
            failed,
        )
        return True
    WEBHOOK_DELIVERY_ATTEMPTS.labels("failed").inc()
    delay = settings.WEBHOOK_RETRY_BASE_DELAY * 2 ** (failed - 1)
    delivery.failed_attempts, delivery.next_attempt_at = failed, now + timedelta(seconds=delay)
    delivery.save(update_fields=["failed_attempts", "next_attempt_at", "updated_at"])
    if delay <= COUNTDOWN_AT_MOST:
        enqueue_on_commit(DELIVER_WEBHOOKS, str(endpoint.pk), countdown=delay)
    return False


def webhook_endpoint_drain(*, endpoint_id) -> int:
    """Send the endpoint's due deliveries in sequence order until one must wait
    for a retry; returns how many were sent. Safe to run any number of times,
    also at once (the lease lets one through)."""
    sent = 0
    while (delivery := _claim_head(endpoint_id)) is not None:
        started_at, reply = _post(delivery)
        sent += 1
        if not _record(delivery, started_at, reply):
            break
    return sent


def webhook_delivery_send_test(*, delivery_id) -> None:
    """Send a test delivery once (it is outside the stream and its order)."""
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, status=D.PENDING, sequence__isnull=True)
        .first()
    )
    if delivery is not None:
        started_at, reply = _post(delivery)
        _record(delivery, started_at, reply)


def _send_after_commit(delivery: WebhookDelivery) -> None:
    if delivery.sequence is None:
        enqueue_on_commit(SEND_TEST_WEBHOOK, str(delivery.pk))
    else:
        enqueue_on_commit(DELIVER_WEBHOOKS, str(delivery.endpoint_id))


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Put a dead-lettered delivery back in its endpoint's queue, with a fresh
    round of retries. Repeating it while it waits changes nothing;
    already_delivered (409) once it went through, endpoint_disabled (409)
    while its endpoint is disabled."""
    endpoint = webhook_endpoint_qs_for_update().get(pk=delivery.endpoint_id)
    delivery = webhook_delivery_qs_for_update().select_related("event").get(pk=delivery.pk)
    if delivery.status == D.SUCCEEDED:
        raise ApplicationError(
            "This delivery went through already.", code=EventErrorCode.ALREADY_DELIVERED, status=409
        )
    if endpoint.status != E.ACTIVE:
        raise ApplicationError(
            "The endpoint is disabled; enable it first.",
            code=EventErrorCode.ENDPOINT_DISABLED,
            status=409,
        )
    if delivery.status == D.FAILED:
        delivery_set_status(
            delivery, D.PENDING, failed_attempts=0, next_attempt_at=timezone.now(), finished_at=None
        )
        _send_after_commit(delivery)
    return delivery


def webhook_deliveries_resume(*, now=None, batch_size: int = 500) -> int:
    """Send again the queues whose next delivery is due (a retry after a long
    delay, a task lost with a broker, a worker that died holding a lease), and
    test deliveries left waiting. Returns how many tasks were sent."""
    now = now or timezone.now()
    due = (
        WebhookDelivery.objects.filter(
            status=D.PENDING,
            sequence__isnull=False,
            next_attempt_at__lte=now,
            endpoint__status=E.ACTIVE,
        )
        .order_by("endpoint_id")
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    endpoint_ids = list(due[:batch_size])
    for endpoint_id in endpoint_ids:
        enqueue_on_commit(DELIVER_WEBHOOKS, str(endpoint_id))
    stale_tests = WebhookDelivery.objects.filter(
        status=D.PENDING,
        sequence__isnull=True,
        created_at__lt=now - timedelta(seconds=_lease_seconds()),
    ).values_list("pk", flat=True)
    test_ids = list(stale_tests[:batch_size])
    for delivery_id in test_ids:
        enqueue_on_commit(SEND_TEST_WEBHOOK, str(delivery_id))
    return len(endpoint_ids) + len(test_ids)
