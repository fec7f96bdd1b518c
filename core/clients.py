"""Who is calling: the client address behind NUM_PROXIES trusted proxies, the
same rule DRF's throttles apply, for every place that needs it."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address the last trusted proxy saw; a client can put
    anything in X-Forwarded-For, so only the last NUM_PROXIES hops count."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


def is_api_request(request, credentials=None) -> bool:
    """The JSON API answers failed logins with its own throttle (429), never
    with a lockout, so django-axes leaves it alone."""
    return request.path.startswith("/api/")
