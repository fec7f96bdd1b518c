"""Claim first, for handlers that call a payment gateway: the key's row is
inserted in progress and committed before the handler runs, because a gateway
is never called inside a transaction. The handler commits its own steps; a
re-run with the same key must resume rather than repeat, so the handler names
its stored work after the key's row (request.idempotency_key). A second
request with the key meanwhile is 409 idempotency_key_in_use."""

from rest_framework.response import Response

from core.exceptions import is_concurrency_conflict
from core.idempotency.keys import (
    call_handler,
    claim,
    fingerprint,
    record,
    release,
    retry_on_conflict,
)


def run_claiming_first(view, handler, request, key: str, args, kwargs) -> Response:
    claimed = claim(
        user=request.user,
        key=key,
        request=request,
        fingerprint=fingerprint(request.method, request.path, request.data),
    )
    if isinstance(claimed, Response):
        return claimed
    # Names this operation: the same for every retry with this key (the row
    # outlives a 5xx, see release), different once the key has expired and is
    # used afresh.
    request.idempotency_key = f"idem-{claimed.pk}"

    def give_up(exc):
        release(claimed)
        return view.handle_exception(exc)

    return retry_on_conflict(
        lambda: _run_then_record(view, handler, claimed, request, args, kwargs), give_up=give_up
    )


def _run_then_record(view, handler, claimed, request, args, kwargs) -> Response:
    try:
        response = call_handler(view, handler, request, args, kwargs)
    except BaseException as exc:
        if not is_concurrency_conflict(exc):
            release(claimed)
        raise
    if response.status_code >= 500:
        release(claimed)  # not an answer: a retry runs afresh
    else:
        record(claimed, response)
    return response
