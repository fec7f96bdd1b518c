"""Insert last, for handlers whose whole effect is one transaction (a wallet
checkout, a withdrawal): the effect and the key with its answer commit together,
or neither does and a retry runs afresh.

For a new key (nearly every request) the key is inserted with its answer at the
end of that same transaction, so a checkout is one BEGIN … COMMIT with one
statement for the key. A second request with the key runs beside the first,
waits on the unique index until the first commits, rolls back what it did and
replays the first's answer. A refusal rolls the transaction back whole and is
then recorded in a statement of its own. A key that already has a row (a
replay, a takeover after a crash) is claimed first and then run with its answer
recorded in the effect's transaction.
"""

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from core.exceptions import is_concurrency_conflict
from core.idempotency.keys import (
    Abandon,
    call_handler,
    claim_and_run,
    fingerprint,
    in_use_error,
    new_key,
    record,
    release,
    retry_on_conflict,
)
from core.models import IdempotencyKey
from core.transactions import whole_transaction


class _KeyExists(Exception):
    """The key was used before: its row decides (replay, in use, reused, takeover)."""


def run_inserting_last(view, handler, request, key: str, args, kwargs) -> Response:
    """A new key, the effect and the recorded answer in one transaction without
    savepoints; a refusal is rolled back whole and recorded afterwards."""
    request_hash = fingerprint(request.method, request.path, request.data)

    def attempt() -> Response:
        try:
            return _insert_run_and_record(view, handler, request, key, request_hash, args, kwargs)
        except _KeyExists:
            return _run_for_existing_key(view, handler, request, key, request_hash, args, kwargs)
        except DatabaseError:
            raise  # a conflict runs again (retry_on_conflict); anything else is a 503
        except Exception as exc:  # a refusal is an answer too: record it
            response = view.handle_exception(exc)
            if response.status_code < 500 and not _record_refusal(
                request, key, request_hash, response
            ):
                # A request with the key committed meanwhile (this one ran
                # beside it and was refused, say for the stock it had taken):
                # its answer is the key's answer.
                return _run_for_existing_key(
                    view, handler, request, key, request_hash, args, kwargs
                )
            return response

    return retry_on_conflict(attempt, give_up=view.handle_exception)


def _answered_key(request, key: str, request_hash: str, response: Response) -> IdempotencyKey:
    return new_key(
        user=request.user,
        key=key,
        request=request,
        fingerprint=request_hash,
        now=timezone.now(),
        status=IdempotencyKey.Status.COMPLETED,
        response_status=response.status_code,
        response_body=response.data,
    )


def _insert_run_and_record(view, handler, request, key, request_hash, args, kwargs) -> Response:
    try:
        with whole_transaction():
            response = handler(view, request, *args, **kwargs)
            if response.status_code >= 500:
                raise Abandon(response)
            try:
                # Last, with its answer: one statement instead of an INSERT
                # before and an UPDATE after. A second request with the key
                # waits here on the unique index until the first commits.
                _answered_key(request, key, request_hash, response)
            except IntegrityError as exc:
                raise _KeyExists from exc  # rolls back what this request did
            return response
    except Abandon as abandoned:
        return abandoned.response  # nothing was kept, the key included: a retry runs afresh


def _record_refusal(request, key, request_hash, response: Response) -> bool:
    """Store a refusal as the key's answer; False if the key has an answer already."""
    try:
        with transaction.atomic():
            _answered_key(request, key, request_hash, response)
    except IntegrityError:
        return False
    return True


def _run_for_existing_key(view, handler, request, key, request_hash, args, kwargs) -> Response:
    return claim_and_run(
        view,
        request,
        key,
        request_hash,
        lambda claimed: _run_and_record(view, handler, claimed, request, args, kwargs),
    )


def _run_and_record(view, handler, claimed, request, args, kwargs) -> Response:
    """The effect and its recorded answer commit together, or not at all."""
    try:
        with transaction.atomic():
            response = call_handler(view, handler, request, args, kwargs)
            if response.status_code >= 500:
                raise Abandon(response)
            if not record(claimed, response):
                # Another request took the key over as stale while this one
                # ran: roll this one's effect back so only one survives.
                raise Abandon(view.handle_exception(in_use_error()))
            return response
    except Abandon as abandoned:
        # A server error is not an answer: free the key so a retry runs afresh.
        release(claimed)
        return abandoned.response
    except BaseException as exc:
        if not is_concurrency_conflict(exc):
            release(claimed)
        raise
