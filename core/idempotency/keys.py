"""What every idempotency strategy shares: the key's rule and where it is read,
the request's fingerprint, and the key's row (claimed, answered, released)."""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from core.exceptions import ApplicationError, is_concurrency_conflict
from core.forms import FORM_KEY_FIELD
from core.locks import idempotency_key_qs_for_update
from core.metrics import IDEMPOTENCY_CONFLICTS, IDEMPOTENCY_REPLAYS
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# What a form posts besides its fields: neither changes what the request asks for.
FORM_PLUMBING = {"csrfmiddlewaretoken", FORM_KEY_FIELD}


class IdempotencyErrorCode(StrEnum):
    REQUIRED = "idempotency_key_required"
    INVALID = "idempotency_key_invalid"
    REUSED = "idempotency_key_reused"
    IN_USE = "idempotency_key_in_use"


def validate_idempotency_key(key: str) -> str:
    """The one rule for every key, header or body field: 1 to 255 printable ASCII
    characters. idempotency_key_invalid (400) otherwise."""
    if not 1 <= len(key) <= 255 or not all(" " <= ch <= "~" for ch in key):
        raise ApplicationError(
            f"{HEADER} must be 1 to 255 printable ASCII characters.",
            code=IdempotencyErrorCode.INVALID,
        )
    return key


def takes_form_key(handler):
    """Marks a money-moving handler: the browsable API renders a one-time key
    into its HTML form (see core.renderers)."""
    handler.takes_form_key = True
    return handler


def is_html_form(request) -> bool:
    """An HTML form posted from the browsable API by a session-authenticated caller."""
    return isinstance(
        request.successful_authenticator, SessionAuthentication
    ) and request.content_type.startswith(FORM_MEDIA_TYPES)


def browsable_form_key(request) -> str | None:
    """The one-time key of such a form; never read for token (JSON) clients."""
    return (request.data.get(FORM_KEY_FIELD) or None) if is_html_form(request) else None


def read_key(request, *, required: bool) -> str | None:
    """The request's key: its header, else the browsable API form's field."""
    key = request.headers.get(HEADER)
    if key is None:
        key = browsable_form_key(request)
    if key is None:
        if required:
            raise ApplicationError(
                f"This request needs an {HEADER} header.", code=IdempotencyErrorCode.REQUIRED
            )
        return None
    return validate_idempotency_key(key)


def fingerprint(method: str, path: str, data) -> str:
    """What the request asks for, parsed and re-serialised, so whitespace or key
    order do not make the same request look different. A form (a QueryDict)
    counts by its fields, not its plumbing."""
    if isinstance(data, QueryDict):
        data = {name: data.getlist(name) for name in data if name not in FORM_PLUMBING}
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def new_key(*, user, key: str, request, fingerprint: str, now, **fields) -> IdempotencyKey:
    return IdempotencyKey.objects.create(
        user=user,
        key=key,
        method=request.method,
        path=request.path[:255],
        request_hash=fingerprint,
        locked_at=now,
        expires_at=now + timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS),
        **fields,
    )


def in_use_error() -> ApplicationError:
    return ApplicationError(
        f"A request with this {HEADER} is still being processed.",
        code=IdempotencyErrorCode.IN_USE,
        status=409,
    )


def claim(*, user, key: str, request, fingerprint: str) -> IdempotencyKey | Response:
    """Insert the key in progress, or answer from the row a previous request left:
    its replay, or reused (422) / in use (409). A key left in progress by a
    crashed process is taken over after IDEMPOTENCY_LOCK_TIMEOUT_SECONDS."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return new_key(
                user=user,
                key=key,
                request=request,
                fingerprint=fingerprint,
                now=now,
                status=IdempotencyKey.Status.IN_PROGRESS,
            )
    except IntegrityError:
        pass

    with transaction.atomic():
        record = idempotency_key_qs_for_update().get(user=user, key=key)
        if record.expires_at <= now:
            record.delete()
            return claim(user=user, key=key, request=request, fingerprint=fingerprint)
        if record.request_hash != fingerprint:
            IDEMPOTENCY_CONFLICTS.labels(IdempotencyErrorCode.REUSED).inc()
            raise ApplicationError(
                f"This {HEADER} was already used for a different request.",
                code=IdempotencyErrorCode.REUSED,
                status=422,
            )
        if record.status == IdempotencyKey.Status.COMPLETED:
            IDEMPOTENCY_REPLAYS.inc()
            response = Response(record.response_body, status=record.response_status)
            response[REPLAYED_HEADER] = "true"
            return response
        stale_before = now - timedelta(seconds=settings.IDEMPOTENCY_LOCK_TIMEOUT_SECONDS)
        if record.locked_at > stale_before:
            IDEMPOTENCY_CONFLICTS.labels(IdempotencyErrorCode.IN_USE).inc()
            raise in_use_error()
        # Its owner died: nothing it did was committed, so this request may run.
        record.locked_at = now
        record.save(update_fields=["locked_at"])
        return record


def record(claimed: IdempotencyKey, response: Response) -> int:
    """Store the answer on a claimed key; 0 if another request took the key over."""
    return IdempotencyKey.objects.filter(pk=claimed.pk, locked_at=claimed.locked_at).update(
        status=IdempotencyKey.Status.COMPLETED,
        response_status=response.status_code,
        response_body=response.data,  # stored as it is: no render-then-parse round trip
    )


# A released key's lock time: long past, so the next request with the key takes
# the row over at once.
RELEASED_AT = datetime(2000, 1, 1, tzinfo=UTC)


def release(claimed: IdempotencyKey) -> None:
    """Free the key for a retry without forgetting it: the retry takes the same row
    over, so a handler that named its stored work after the row (a card refund,
    a card top-up) finds and resumes it instead of starting it again."""
    IdempotencyKey.objects.filter(pk=claimed.pk, locked_at=claimed.locked_at).update(
        locked_at=RELEASED_AT
    )


class Abandon(Exception):
    """Leave the transaction with this answer, keeping nothing of the request."""

    def __init__(self, response: Response):
        super().__init__("abandon idempotent request")
        self.response = response


def retry_on_conflict(attempt, *, give_up):
    """attempt() again after a deadlock or serialization failure, at most
    DB_CONFLICT_RETRIES more times; the last conflict goes to give_up(exc), which
    answers 409 concurrency_conflict (nothing was written)."""
    for remaining in range(settings.DB_CONFLICT_RETRIES, -1, -1):
        try:
            return attempt()
        except DatabaseError as exc:
            if not is_concurrency_conflict(exc):
                raise
            if remaining == 0:
                return give_up(exc)


def call_handler(view, handler, request, args, kwargs) -> Response:
    """The handler's answer; a refusal it raises is an answer too (DRF's error
    response). A concurrency conflict is raised on: the caller runs it again."""
    try:
        return handler(view, request, *args, **kwargs)
    except Exception as exc:  # a refused request is an answer too: record it
        if is_concurrency_conflict(exc):
            raise
        return view.handle_exception(exc)


def claim_and_run(view, request, key: str, request_hash: str, run) -> Response:
    """Claim the key (or answer from its row), name the operation after the row
    (request.idempotency_key: the same for every retry with this key, a new one
    once the key expired and is used afresh) and run(claimed), again after a
    deadlock; when the conflicts outlast the retries, the key is freed."""
    claimed = claim(user=request.user, key=key, request=request, fingerprint=request_hash)
    if isinstance(claimed, Response):
        return claimed
    request.idempotency_key = f"idem-{claimed.pk}"

    def give_up(exc):
        release(claimed)
        return view.handle_exception(exc)

    return retry_on_conflict(lambda: run(claimed), give_up=give_up)
