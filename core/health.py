"""Liveness and readiness probes for load balancers and orchestrators."""

import hmac
import ipaddress
import logging
import uuid

# The Celery app config/celery.py made current (core sits below config).
from celery import current_app as celery_app
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from core.clients import client_ip
from core.exceptions import error_body
from core.heartbeat import heartbeat_state
from core.metrics import STATE

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    # With DJANGO_REDIS_IGNORE_EXCEPTIONS a dead Redis fails silently, so
    # only a value read back proves the cache answers.
    key, value = f"readyz:{uuid.uuid4()}", "ok"
    cache.set(key, value, timeout=5)
    if cache.get(key) != value:
        raise ConnectionError("cache did not return the value just written")
    cache.delete(key)


def _check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


def _metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr) for cidr in settings.METRICS_ALLOWED_CIDRS)


def metrics(request):
    """Prometheus text: this host's Kassa processes' counters, and the state
    gauges read now. Only for METRICS_ALLOWED_CIDRS or the METRICS_TOKEN bearer."""
    if not _metrics_allowed(request):
        return JsonResponse(error_body("forbidden", "Metrics are not public."), status=403)
    counted = CollectorRegistry()
    MultiProcessCollector(counted)
    body = generate_latest(counted) + generate_latest(STATE)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def healthz(request):
    """Liveness: the process answers. Touches no dependency."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness: 200 when database, cache and broker all answer, else 503.

    It also reports whether a Celery worker ran beat's heartbeat task lately
    ("workers"), read from one row: no waiting on a worker. That does not fail
    readiness: the web answers (wallet checkouts, reads) without workers; card
    payments wait for them, and the report says so."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready", whatever its type
            logger.warning("readiness check %s failed: %s", name, exc)
            results[name] = "error"
        else:
            results[name] = "ok"
    ready = all(result == "ok" for result in results.values())
    try:
        workers = heartbeat_state()
    except DatabaseError:
        workers = {"state": "unknown", "seconds_ago": None}
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results, "workers": workers},
        status=200 if ready else 503,
    )
