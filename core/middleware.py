"""Request guards that run before any view."""

import structlog
from django.conf import settings
from django.http import JsonResponse

from core.exceptions import error_body


class RequestSizeLimitMiddleware:
    """Refuse bodies over DATA_UPLOAD_MAX_MEMORY_SIZE with 413 before reading them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return JsonResponse(
                error_body(
                    "request_too_large",
                    f"Request bodies are limited to {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
                ),
                status=413,
            )
        return self.get_response(request)


class RequestIdHeaderMiddleware:
    """Names the request's id (django-structlog's, the one in every log line of
    the request) in the X-Request-ID response header, for support to look up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id:
            response["X-Request-ID"] = request_id
        return response
