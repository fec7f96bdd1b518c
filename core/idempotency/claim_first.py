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
    claim_and_run,
    fingerprint,
    record,
    release,
)


def run_claiming_first(view, handler, request, key: str, args, kwargs) -> Response:
    request_hash = fingerprint(request.method, request.path, request.data)
    return claim_and_run(
        view,
        request,
        key,
        request_hash,
        lambda claimed: _run_then_record(view, handler, claimed, request, args, kwargs),
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
