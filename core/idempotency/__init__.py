"""The Idempotency-Key layer for money-moving POSTs, with Stripe's semantics.

The first request with a key runs and its status and body are stored for
IDEMPOTENCY_KEY_TTL_HOURS. The same key with the same method, path and body
replays them (header Idempotent-Replayed: true) without running again; with a
different request it is 422 idempotency_key_reused; while the first is still
running it is 409 idempotency_key_in_use (only the gateway-calling handlers,
which claim their key first, ever answer it). A key left in progress by a
crashed process is taken over after IDEMPOTENCY_LOCK_TIMEOUT_SECONDS; one freed
by a 5xx, at once.

Three strategies share keys.py (the key's rule, the fingerprint, the row and the
retry after a deadlock): insert_last for one-transaction handlers, claim_first
for handlers that call a gateway, forms for the pages' money-moving forms.
"""

import functools

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.idempotency.claim_first import run_claiming_first
from core.idempotency.forms import FormOutcome, idempotent_form_action
from core.idempotency.insert_last import run_inserting_last
from core.idempotency.keys import (
    HEADER,
    REPLAYED_HEADER,
    IdempotencyErrorCode,
    browsable_form_key,
    is_html_form,
    read_key,
    takes_form_key,
    validate_idempotency_key,
)

__all__ = [
    "HEADER",
    "REPLAYED_HEADER",
    "FormOutcome",
    "IdempotencyErrorCode",
    "browsable_form_key",
    "idempotent",
    "idempotent_form_action",
    "is_html_form",
    "takes_form_key",
    "validate_idempotency_key",
]


def idempotent(*, required: bool = True, atomic: bool = True):
    """Decorate an APIView method that moves money (see the module docstring).

    atomic=False is for handlers that call a payment gateway (claim_first).
    """

    def decorator(handler):
        @functools.wraps(handler)
        def wrapper(view, request, *args, **kwargs):
            key = read_key(request, required=required)
            request.idempotency_key = None
            if key is None:
                return handler(view, request, *args, **kwargs)
            run = run_inserting_last if atomic else run_claiming_first
            return run(view, handler, request, key, args, kwargs)

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
