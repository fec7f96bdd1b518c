"""One error shape for the whole API: {"code", "detail", "errors"?}."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.metrics import REFUSALS

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A business rule said no. Services raise it; the API maps it to JSON.

    `code` is the stable machine-readable value clients switch on; `status`
    is the HTTP status the API answers with.
    """

    def __init__(self, message: str, *, code: str, status: int = 400, extra=None):
        super().__init__(message)
        self.message = message
        self.code = str(code)
        self.status = status
        self.extra = extra or {}


def error_body(code: str, detail: str, errors=None) -> dict:
    body = {"code": code, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


# PostgreSQL's "try again" answers: deadlock_detected, serialization_failure.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})


def is_concurrency_conflict(exc: BaseException) -> bool:
    cause = exc.__cause__ if isinstance(exc, DatabaseError) else None
    return getattr(cause, "sqlstate", None) in CONFLICT_SQLSTATES


def _database_error_response(exc: DatabaseError) -> Response:
    if is_concurrency_conflict(exc):
        logger.warning("Concurrency conflict left after retries: %s", exc)
        return Response(
            error_body(
                "concurrency_conflict",
                "The request collided with another one; nothing was changed. Retry it.",
            ),
            status=status.HTTP_409_CONFLICT,
        )
    logger.error("Database unavailable: %s", exc)
    return Response(
        error_body("service_unavailable", "The service is temporarily unavailable."),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        view = type(context.get("view")).__name__
        REFUSALS.labels(view, exc.code, exc.status).inc()
        set_rollback()
        headers = (
            {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
        )
        return Response(
            {**error_body(exc.code, exc.message), **exc.extra}, status=exc.status, headers=headers
        )
    if isinstance(exc, OperationalError | InterfaceError) or is_concurrency_conflict(exc):
        set_rollback()
        return _database_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        # A selector's own words ("Only the product's merchant …") when it gave some.
        exc = exceptions.PermissionDenied(str(exc) or None)

    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        # Django refuses a form body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with
        # too many fields) only once it is read: the client's mistake, not ours.
        too_big = isinstance(exc, RequestDataTooBig)
        return Response(
            error_body(
                "request_too_large" if too_big else "too_many_fields",
                "The request body is too large for a form; send JSON."
                if too_big
                else "The form has too many fields.",
            ),
            status=413 if too_big else 400,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        # Anything unexpected is a bug: log it whole, show the client nothing of it.
        logger.exception("Unhandled error in API view", exc_info=exc)
        set_rollback()
        return Response(
            error_body("server_error", "Internal server error."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    response.data = _shape(exc)
    return response


def _shape(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors}
        return error_body("invalid", "Invalid input.", errors)
    detail = exc.detail
    code = exc.default_code
    if isinstance(detail, dict):
        # simplejwt packs {"detail", "code", "messages"} into one exception.
        code = str(detail.get("code", code))
        detail = detail.get("detail", exc.default_detail)
    elif hasattr(detail, "code") and detail.code:
        code = detail.code
    return error_body(str(code), str(detail))
