"""The Idempotency-Key layer for money-moving POSTs, with Stripe's semantics.

The first request with a key runs and its status and body are stored for
IDEMPOTENCY_KEY_TTL_HOURS. The same key with the same method, path and body
replays them (header Idempotent-Replayed: true) without running again; with a
different request it is 422 idempotency_key_reused; while the first is still
running it is 409 idempotency_key_in_use.

The view and the stored response commit in one transaction: either both the
effect and its recorded response exist, or neither does and a retry runs
afresh. For a new key (nearly every request) the key is inserted with its
answer at the end of that same transaction, so a checkout is one BEGIN … COMMIT
with one statement for the key: a second request with the key runs beside the
first, waits on the unique index until the first commits, rolls back what it did
and replays the first's answer (so only the gateway-calling handlers, which
claim their key first, ever answer 409 idempotency_key_in_use). A refusal rolls
the transaction back whole and is then recorded in a statement of its own. A key
left in progress by a crashed process is taken over after
IDEMPOTENCY_LOCK_TIMEOUT_SECONDS; one freed by a 5xx, at once.
"""

import contextlib
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from core.exceptions import ApplicationError, error_body, is_concurrency_conflict
from core.forms import FORM_KEY_FIELD
from core.metrics import IDEMPOTENCY_CONFLICTS, IDEMPOTENCY_REPLAYS
from core.models import IdempotencyKey
from core.transactions import whole_transaction

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


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


def _read_key(request, *, required: bool) -> str | None:
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


def _fingerprint(request) -> str:
    # Parsed and re-serialised, so whitespace or key order do not make the
    # same request look different.
    data = request.data
    if isinstance(data, QueryDict):  # an HTML form: its fields, not its plumbing
        data = {name: data.getlist(name) for name in data if name not in _FORM_PLUMBING}
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _new_key(*, user, key: str, request, fingerprint: str, now, **fields) -> IdempotencyKey:
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


def _claim(*, user, key: str, request, fingerprint: str) -> IdempotencyKey | Response:
    """Insert the key in progress, or answer from the row a previous request left."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return _new_key(
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
        record = IdempotencyKey.objects.select_for_update().get(user=user, key=key)
        if record.expires_at <= now:
            record.delete()
            return _claim(user=user, key=key, request=request, fingerprint=fingerprint)
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
            raise ApplicationError(
                f"A request with this {HEADER} is still being processed.",
                code=IdempotencyErrorCode.IN_USE,
                status=409,
            )
        # Its owner died: nothing it did was committed, so this request may run.
        record.locked_at = now
        record.save(update_fields=["locked_at"])
        return record


def _stored_body(response: Response):
    """The answer's data, stored as it is (no render-then-parse round trip)."""
    return response.data


def _record(claimed: IdempotencyKey, response: Response) -> int:
    return IdempotencyKey.objects.filter(pk=claimed.pk, locked_at=claimed.locked_at).update(
        status=IdempotencyKey.Status.COMPLETED,
        response_status=response.status_code,
        response_body=_stored_body(response),
    )


class _KeyExists(Exception):
    """The key was used before: its row decides (replay, in use, reused, takeover)."""


def _run_in_one_transaction(view, handler, request, key, fingerprint, args, kwargs) -> Response:
    """A new key, the effect and the recorded answer in one transaction without
    savepoints; a refusal is rolled back whole and recorded afterwards."""
    for attempt in range(settings.DB_CONFLICT_RETRIES + 1):
        try:
            return _insert_run_and_record(view, handler, request, key, fingerprint, args, kwargs)
        except _KeyExists:
            return _run_for_existing_key(view, handler, request, key, fingerprint, args, kwargs)
        except DatabaseError as exc:
            if not is_concurrency_conflict(exc):
                raise
            if attempt == settings.DB_CONFLICT_RETRIES:
                return view.handle_exception(exc)
        except Exception as exc:  # a refusal is an answer too: record it
            response = view.handle_exception(exc)
            if response.status_code < 500 and not _record_refusal(
                request, key, fingerprint, response
            ):
                # A request with the key committed meanwhile (this one ran
                # beside it and was refused, say for the stock it had taken):
                # its answer is the key's answer.
                return _run_for_existing_key(view, handler, request, key, fingerprint, args, kwargs)
            return response


def _insert_run_and_record(view, handler, request, key, fingerprint, args, kwargs) -> Response:
    try:
        with whole_transaction():
            response = handler(view, request, *args, **kwargs)
            if response.status_code >= 500:
                raise _Abandon(response)
            try:
                # Last, with its answer: one statement instead of an INSERT
                # before and an UPDATE after. A second request with the key
                # waits here on the unique index until the first commits.
                _new_key(
                    user=request.user,
                    key=key,
                    request=request,
                    fingerprint=fingerprint,
                    now=timezone.now(),
                    status=IdempotencyKey.Status.COMPLETED,
                    response_status=response.status_code,
                    response_body=_stored_body(response),
                )
            except IntegrityError as exc:
                raise _KeyExists from exc  # rolls back what this request did
            return response
    except _Abandon as abandoned:
        return abandoned.response  # nothing was kept, the key included: a retry runs afresh


def _record_refusal(request, key, fingerprint, response: Response) -> bool:
    """Store a refusal as the key's answer; False if the key has an answer already."""
    try:
        with transaction.atomic():
            _new_key(
                user=request.user,
                key=key,
                request=request,
                fingerprint=fingerprint,
                now=timezone.now(),
                status=IdempotencyKey.Status.COMPLETED,
                response_status=response.status_code,
                response_body=_stored_body(response),
            )
    except IntegrityError:
        return False
    return True


def _run_for_existing_key(view, handler, request, key, fingerprint, args, kwargs) -> Response:
    claimed = _claim(user=request.user, key=key, request=request, fingerprint=fingerprint)
    if isinstance(claimed, Response):
        return claimed
    request.idempotency_key = f"idem-{claimed.pk}"
    return _run_and_record(view, handler, claimed, request, args, kwargs)


# A released key's lock time: long past, so the next request with the key takes
# the row over at once.
RELEASED_AT = datetime(2000, 1, 1, tzinfo=UTC)


def _release(claimed: IdempotencyKey) -> None:
    """Free the key for a retry without forgetting it: the retry takes the same row
    over, so a handler that named its stored work after the row (a card refund,
    a card top-up) finds and resumes it instead of starting it again."""
    IdempotencyKey.objects.filter(pk=claimed.pk, locked_at=claimed.locked_at).update(
        locked_at=RELEASED_AT
    )


def _call(view, handler, request, args, kwargs) -> Response:
    try:
        return handler(view, request, *args, **kwargs)
    except Exception as exc:  # a refused request is an answer too: record it
        if is_concurrency_conflict(exc):
            raise  # rolled back whole; the caller runs it again
        return view.handle_exception(exc)


def _with_conflict_retries(run):
    """Run again after a deadlock or serialization failure, a bounded number of
    times; the last one is answered 409 concurrency_conflict (nothing written)."""

    def retrying(view, handler, claimed, request, args, kwargs) -> Response:
        for attempt in range(settings.DB_CONFLICT_RETRIES + 1):
            try:
                return run(view, handler, claimed, request, args, kwargs)
            except DatabaseError as exc:
                if not is_concurrency_conflict(exc):
                    raise
                if attempt == settings.DB_CONFLICT_RETRIES:
                    _release(claimed)
                    return view.handle_exception(exc)

    return retrying


@_with_conflict_retries
def _run_and_record(view, handler, claimed, request, args, kwargs) -> Response:
    """The effect and its recorded answer commit together, or not at all."""
    try:
        with transaction.atomic():
            response = _call(view, handler, request, args, kwargs)
            if response.status_code >= 500:
                raise _Abandon(response)
            if not _record(claimed, response):
                # Another request took the key over as stale while this one
                # ran: roll this one's effect back so only one survives.
                raise _Abandon(_in_use_response(view, request))
            return response
    except _Abandon as abandoned:
        # A server error is not an answer: free the key so a retry runs afresh.
        _release(claimed)
        return abandoned.response
    except BaseException as exc:
        if not is_concurrency_conflict(exc):
            _release(claimed)
        raise


@_with_conflict_retries
def _run_then_record(view, handler, claimed, request, args, kwargs) -> Response:
    """For handlers that must call a payment gateway, which never happens inside a
    transaction: they commit their own steps, and must make a re-run with the same
    key resume rather than repeat (request.idempotency_key names the operation)."""
    try:
        response = _call(view, handler, request, args, kwargs)
    except BaseException as exc:
        if not is_concurrency_conflict(exc):
            _release(claimed)
        raise
    if response.status_code >= 500:
        _release(claimed)
    else:
        _record(claimed, response)
    return response


def _in_use_response(view, request) -> Response:
    return view.handle_exception(
        ApplicationError(
            f"A request with this {HEADER} is still being processed.",
            code=IdempotencyErrorCode.IN_USE,
            status=409,
        )
    )


class _Abandon(Exception):
    def __init__(self, response: Response):
        super().__init__("abandon idempotent request")
        self.response = response


def idempotent(*, required: bool = True, atomic: bool = True):
    """Decorate an APIView method that moves money (see the module docstring).

    atomic=False is for handlers that call a payment gateway; see _run_then_record.
    """

    def decorator(handler):
        @functools.wraps(handler)
        def wrapper(view, request, *args, **kwargs):
            key = _read_key(request, required=required)
            request.idempotency_key = None
            if key is None:
                return handler(view, request, *args, **kwargs)
            if atomic:
                return _run_in_one_transaction(
                    view, handler, request, key, _fingerprint(request), args, kwargs
                )
            claimed = _claim(
                user=request.user, key=key, request=request, fingerprint=_fingerprint(request)
            )
            if isinstance(claimed, Response):
                return claimed
            # Names this operation: the same for every retry with this key (the
            # row outlives a 5xx, see _release), different once the key has
            # expired and is used afresh.
            request.idempotency_key = f"idem-{claimed.pk}"
            return _run_then_record(view, handler, claimed, request, args, kwargs)

        takes_form_key(wrapper)
        return extend_schema(
            parameters=[
                OpenApiParameter(
                    HEADER,
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    required=required,
                    description="Unique per operation; a retry with the same key is replayed.",
                )
            ]
        )(wrapper)

    return decorator


# --- server-rendered forms ----------------------------------------------------------

# What a form posts besides its fields: neither changes what the request asks for.
_FORM_PLUMBING = {"csrfmiddlewaretoken", FORM_KEY_FIELD}


@dataclass(frozen=True)
class FormOutcome:
    status: int
    body: dict
    replayed: bool

    @property
    def ok(self) -> bool:
        return self.status < 400


def _form_fingerprint(request) -> str:
    fields = sorted(
        (name, request.POST.getlist(name)) for name in request.POST if name not in _FORM_PLUMBING
    )
    body = json.dumps(fields, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _attempt(run, *, atomic: bool) -> FormOutcome:
    try:
        # In atomic mode a refusal undoes whatever run() had written.
        with transaction.atomic() if atomic else contextlib.nullcontext():
            return FormOutcome(200, run(), replayed=False)
    except ApplicationError as refused:
        body = {**error_body(refused.code, refused.message), **refused.extra}
        return FormOutcome(refused.status, body, replayed=False)


def idempotent_form_action(request, *, key: str, run, atomic: bool = True) -> FormOutcome:
    """The same layer for a page's money-moving form, keyed by the one-time key
    rendered into the form. The first submit runs `run()`, which returns a
    JSON-able dict (say {"order_id": ...}); a refusal it raises (ApplicationError)
    is an answer too. Every later submit of that form (a double click, back and
    resubmit) gets the stored outcome with replayed=True and runs nothing.

    atomic=False is for actions that call a payment gateway, as for the API.
    Raises ApplicationError for a malformed, reused or in-use key.
    """
    validate_idempotency_key(key)
    claimed = _claim(
        user=request.user, key=key, request=request, fingerprint=_form_fingerprint(request)
    )
    if isinstance(claimed, Response):
        return FormOutcome(claimed.status_code, claimed.data, replayed=True)
    request.idempotency_key = f"idem-{claimed.pk}"
    try:
        with transaction.atomic() if atomic else contextlib.nullcontext():
            outcome = _attempt(run, atomic=atomic)
            if outcome.status >= 500:
                raise _Abandon(Response(outcome.body, status=outcome.status))
            _record(claimed, Response(outcome.body, status=outcome.status))
    except _Abandon:
        _release(claimed)  # not an answer: the same form may be sent again
        return outcome
    except BaseException:
        _release(claimed)
        raise
    return outcome
