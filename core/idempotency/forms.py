"""The same layer for a page's money-moving form, keyed by the one-time key
rendered into the form (core.forms.OneTimeKeyForm) instead of a header."""

import contextlib
from dataclasses import dataclass

from django.db import transaction
from rest_framework.response import Response

from core.exceptions import ApplicationError, error_body
from core.idempotency.keys import (
    Abandon,
    claim,
    fingerprint,
    record,
    release,
    validate_idempotency_key,
)


@dataclass(frozen=True)
class FormOutcome:
    status: int
    body: dict
    replayed: bool

    @property
    def ok(self) -> bool:
        return self.status < 400


def _attempt(run, *, atomic: bool) -> FormOutcome:
    try:
        # In atomic mode a refusal undoes whatever run() had written.
        with transaction.atomic() if atomic else contextlib.nullcontext():
            return FormOutcome(200, run(), replayed=False)
    except ApplicationError as refused:
        body = {**error_body(refused.code, refused.message), **refused.extra}
        return FormOutcome(refused.status, body, replayed=False)


def idempotent_form_action(request, *, key: str, run, atomic: bool = True) -> FormOutcome:
    """The first submit of a form runs `run()`, which returns a JSON-able dict
    (say {"order_id": ...}); a refusal it raises (ApplicationError) is an answer
    too. Every later submit of that form (a double click, back and resubmit)
    gets the stored outcome with replayed=True and runs nothing.

    atomic=False is for actions that call a payment gateway, as for the API.
    Raises ApplicationError for a malformed, reused or in-use key.
    """
    validate_idempotency_key(key)
    claimed = claim(
        user=request.user,
        key=key,
        request=request,
        fingerprint=fingerprint(request.method, request.path, request.POST),
    )
    if isinstance(claimed, Response):
        return FormOutcome(claimed.status_code, claimed.data, replayed=True)
    request.idempotency_key = f"idem-{claimed.pk}"
    try:
        with transaction.atomic() if atomic else contextlib.nullcontext():
            outcome = _attempt(run, atomic=atomic)
            if outcome.status >= 500:
                raise Abandon(Response(outcome.body, status=outcome.status))
            record(claimed, Response(outcome.body, status=outcome.status))
    except Abandon:
        release(claimed)  # not an answer: the same form may be sent again
        return outcome
    except BaseException:
        release(claimed)
        raise
    return outcome
