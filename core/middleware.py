"""Request guards that run before any view."""

import logging
import re
import uuid

import structlog
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import JsonResponse

from core.exceptions import error_body

logger = logging.getLogger("kassa.api")

# Room for a multipart body's boundaries and headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
# Uploads larger than the general limit: a download product's file, and up to
# MAX_CODES_PER_UPLOAD codes at once.
_FILE_UPLOAD = re.compile(r"^/(api/v1|dashboard)/products/[0-9a-f-]{36}/file/?$")
_CODES_UPLOAD = re.compile(r"^/(api/v1|dashboard)/products/[0-9a-f-]{36}/codes/?$")


def body_limit(path: str) -> int:
    if _FILE_UPLOAD.match(path):
        return settings.MAX_DOWNLOAD_BYTES + MULTIPART_OVERHEAD
    if _CODES_UPLOAD.match(path):
        return settings.MAX_CODES_PER_UPLOAD * (settings.MAX_CODE_LENGTH + 8) + MULTIPART_OVERHEAD
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestSizeLimitMiddleware:
    """Refuse bodies over their path's limit (DATA_UPLOAD_MAX_MEMORY_SIZE, or
    body_limit's for uploads) with 413 before reading them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request.path_info)
        if length > limit:
            return JsonResponse(
                error_body("request_too_large", f"Request bodies are limited to {limit} bytes."),
                status=413,
            )
        return self.get_response(request)


# What a JSON answer may load or be framed by: nothing (OWASP's advice for APIs).
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy for pages; for JSON answers a fixed, stricter one.

    A JSON answer runs no script and shows no style, so the pages' policy with
    its fresh nonce says nothing useful there, and django-csp builds it twice
    per response (policy and report-only): a percent of a checkout's CPU.
    """

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("application/json"):
            response.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
            return response
        return super().process_response(request, response)


class RequestContextMiddleware:
    """Every log line of a request names it: its id (and, once known, its user)
    goes into structlog's context, which django-structlog's Celery receiver also
    copies into the tasks the request sends; the answer names the id in
    X-Request-ID. Leaner than django-structlog's request middleware, which also
    logs every request twice (gunicorn's access log has those lines)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _upstream_request_id(request) or str(uuid.uuid4())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
            _log_api_key_request(request, response)
        finally:
            structlog.contextvars.clear_contextvars()
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A session user is known before the view runs; an API token's user is
        # bound by accounts.authentication once DRF has read the token. Only
        # when a session cookie came, so no request pays a query for nothing.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            structlog.contextvars.bind_contextvars(user_id=str(request.user.pk))


def _log_api_key_request(request, response) -> None:
    """One line per request made with a merchant's API key, naming the key by
    its id (bound by accounts.authentication), never by the key: what a
    merchant's server did is found by grepping that id."""
    key_id = structlog.contextvars.get_contextvars().get("api_key_id")
    if key_id is not None:
        logger.info(
            "api_key_request api_key_id=%s method=%s path=%s status=%s",
            key_id,
            request.method,
            request.path,
            response.status_code,
        )


def _upstream_request_id(request) -> str | None:
    """X-Request-ID from a trusted proxy (NUM_PROXIES > 0), if it is sane."""
    if not settings.DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID:
        return None
    value = request.headers.get("X-Request-ID", "")
    if 0 < len(value) <= 200 and all(" " < ch <= "~" for ch in value):
        return value
    return None
