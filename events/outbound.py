"""POSTs to a merchant's URL without server-side request forgery.

A merchant chooses the URL, so it may name this machine, the private network
or a cloud's metadata service. The name is resolved, every address it resolves
to is checked, and the connection goes to the address that was checked (TLS
still verifies the certificate against the name): a name that resolves to a
public address when checked and to a private one a moment later (DNS
rebinding) never gets the private one connected to. Redirects are never
followed (http.client follows none). KASSA_WEBHOOKS_ALLOW_PRIVATE lifts the
address rule and allows http:// for receivers on a developer's machine.

Written on the standard library: Advocate, the requests wrapper that did this,
is archived and unmaintained, and the newer packages wrap httpx's async client
(or ask a public DNS server), which a Celery task does not need.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings

from core.exceptions import ApplicationError
from events.errors import EventErrorCode

# What is kept of an answer, per attempt.
BODY_KEPT = 1024


class AddressRefused(ApplicationError):
    """The URL's host resolves to an address Kassa does not send to."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


@dataclass(frozen=True)
class Reply:
    status: int | None
    body: str
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _refused(message: str, code: EventErrorCode) -> ApplicationError:
    error_class = AddressRefused if code == EventErrorCode.ADDRESS_NOT_ALLOWED else ApplicationError
    return error_class(message, code=code, status=400, extra={"errors": {"url": [message]}})


def parse(url: str) -> Target:
    """The URL's parts, or url_invalid / url_not_https (400)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise _refused("Not a valid URL.", EventErrorCode.URL_INVALID) from exc
    allowed = ("https", "http") if settings.KASSA_WEBHOOKS_ALLOW_PRIVATE else ("https",)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _refused("A URL needs https:// and a host.", EventErrorCode.URL_INVALID)
    if parts.scheme not in allowed:
        raise _refused("Webhook URLs must use https://.", EventErrorCode.URL_NOT_HTTPS)
    if parts.username or parts.password:
        raise _refused(
            "A webhook URL may not carry a user or password.", EventErrorCode.URL_INVALID
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port or default_port, path)


def address_allowed(address: str) -> bool:
    """A public unicast address: not loopback, private, link-local, multicast,
    reserved, unspecified or shared (carrier-grade NAT), whatever its spelling
    (an IPv4 address inside IPv6 counts as the IPv4 address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or ip.sixtofour):
        ip = ip.ipv4_mapped or ip.sixtofour
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve(target: Target) -> str:
    """The address to connect to: the first the host resolves to, once every
    one of them passed the address rule. Raises url_not_resolvable or
    address_not_allowed (400)."""
    try:
        found = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise _refused(
            f"{target.host} does not resolve to an address.", EventErrorCode.URL_NOT_RESOLVABLE
        ) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not settings.KASSA_WEBHOOKS_ALLOW_PRIVATE:
        refused = [address for address in addresses if not address_allowed(address)]
        if refused:
            raise _refused(
                f"{target.host} resolves to {refused[0]}, which is not a public address.",
                EventErrorCode.ADDRESS_NOT_ALLOWED,
            )
    return addresses[0]


def url_check(url: str) -> str:
    """The URL as it will be stored, refused (400) when it could not be sent to.
    With KASSA_WEBHOOKS_ALLOW_PRIVATE the host is not resolved yet: any
    address is allowed, so there is nothing to check until the first delivery."""
    target = parse(url)
    if not settings.KASSA_WEBHOOKS_ALLOW_PRIVATE:
        resolve(target)
    return url.strip()


@cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


class _PinnedConnection:
    """An http.client connection whose socket goes to `address`, whatever the
    host name resolves to by then; the name is still the Host header and, over
    TLS, the name the certificate must match."""

    def __init__(self, target: Target, address: str, timeout: float):
        if target.scheme == "https":
            self.connection = http.client.HTTPSConnection(
                target.host, target.port, timeout=timeout, context=_tls_context()
            )
        else:
            self.connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        self.connection._create_connection = lambda _address, *args, **kwargs: (
            socket.create_connection((address, target.port), *args, **kwargs)
        )


def post(url: str, *, body: bytes, headers: dict) -> Reply:
    """POST `body` once, within WEBHOOK_TIMEOUT_SECONDS in all. Never raises for
    what the receiver or the network did: a refused address, a timeout or a
    connection error is a Reply with `error` and no status."""
    started = time.monotonic()
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    deadline = started + timeout

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = parse(url)
        pinned = _PinnedConnection(target, resolve(target), timeout).connection
    except ApplicationError as refused:
        return Reply(None, "", elapsed(), error=refused.message[:255])
    try:
        pinned.connect()
        pinned.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        pinned.request("POST", target.path, body=body, headers=headers)
        pinned.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        response = pinned.getresponse()
        kept = response.read(BODY_KEPT)
        return Reply(response.status, kept.decode("utf-8", "replace"), elapsed())
    except TimeoutError:
        return Reply(None, "", elapsed(), error=f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException) as exc:
        return Reply(None, "", elapsed(), error=f"{type(exc).__name__}: {exc}"[:255])
    finally:
        pinned.close()
