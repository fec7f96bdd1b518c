"""No server-side request forgery: an endpoint URL must be https:// and resolve
to public addresses only, when it is made and again at every delivery; the
connection goes to the address that was checked. No test here connects
anywhere but 127.0.0.1: refused addresses are refused before connecting."""

import socket

import pytest

from accounts.tests.factories import MerchantFactory
from conftest import client_for
from events import outbound
from events.models import WebhookDelivery, WebhookEndpoint
from events.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict(settings):
    """Production's rule: KASSA_WEBHOOKS_ALLOW_PRIVATE off."""
    settings.KASSA_WEBHOOKS_ALLOW_PRIVATE = False


@pytest.fixture
def dns(monkeypatch):
    """Names resolve as the test says (dns["name"] = "address"); counts lookups."""
    answers, lookups = {}, []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        if host in answers:
            family = socket.AF_INET6 if ":" in answers[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", getaddrinfo)
    answers["lookups"] = lookups
    return answers


def _create(merchant, url):
    return client_for(merchant).post(
        "/api/v1/webhook-endpoints", {"url": url, "events": ["*"]}, format="json"
    )


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1/hooks", "url_not_https"),
        ("http://shop.example.com/hooks", "url_not_https"),
        ("https://10.0.0.1/hooks", "address_not_allowed"),
        ("https://169.254.169.254/latest/meta-data", "address_not_allowed"),
        ("https://[::1]/hooks", "address_not_allowed"),
        ("https://127.0.0.1:8443/hooks", "address_not_allowed"),
        ("https://[::ffff:10.0.0.1]/hooks", "address_not_allowed"),
        ("https://localhost/hooks", "address_not_allowed"),
        ("https://user:pw@shop.example.com/hooks", "url_invalid"),
        ("ftp://shop.example.com/", "url_invalid"),
    ],
)
def test_an_endpoint_on_a_private_or_non_https_address_is_refused(strict, url, code):
    merchant = MerchantFactory()

    answer = _create(merchant, url)

    assert answer.status_code == 400, answer.json()
    assert answer.json()["code"] == code
    assert "url" in answer.json()["errors"]
    assert not WebhookEndpoint.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_refused(strict, dns):
    dns["hooks.internal.example"] = "10.20.30.40"

    answer = _create(MerchantFactory(), "https://hooks.internal.example/kassa")

    assert answer.status_code == 400
    assert answer.json()["code"] == "address_not_allowed"
    assert "10.20.30.40" in answer.json()["detail"]


def test_a_name_that_resolves_to_a_public_address_is_accepted(strict, dns):
    dns["hooks.shop.example"] = "93.184.215.14"

    answer = _create(MerchantFactory(), "https://hooks.shop.example/kassa")

    assert answer.status_code == 201, answer.json()
    assert answer.json()["secret"].startswith("whsec_")


def test_a_name_rebound_to_a_private_address_after_creation_is_refused_at_delivery(
    strict, dns, receiver, django_capture_on_commit_callbacks
):
    merchant = MerchantFactory()
    dns["rebind.shop.example"] = "93.184.215.14"
    endpoint, _ = webhook_endpoint_create(
        merchant=merchant,
        url=f"https://rebind.shop.example:{receiver.port}/kassa",
        event_types=["*"],
    )
    dns["rebind.shop.example"] = "127.0.0.1"  # where the test's receiver listens

    with django_capture_on_commit_callbacks(execute=True):
        client_for(merchant).post(f"/api/v1/webhook-endpoints/{endpoint.pk}/test")

    attempt = WebhookDelivery.objects.get().attempts.get()
    assert attempt.response_status is None
    assert "127.0.0.1, which is not a public address" in attempt.error
    assert receiver.received == []


def test_the_connection_goes_to_the_address_checked_not_to_a_second_lookup(dns, receiver):
    dns["pinned.shop.example"] = "127.0.0.1"

    reply = outbound.post(
        f"http://pinned.shop.example:{receiver.port}/kassa", body=b"{}", headers={}
    )

    assert reply.status == 200
    assert dns["lookups"].count("pinned.shop.example") == 1
    assert receiver.received[0].headers["Host"] == f"pinned.shop.example:{receiver.port}"


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("2002:0a00:0001::1", False),
    ],
)
def test_the_address_rule(address, allowed):
    assert outbound.address_allowed(address) is allowed
