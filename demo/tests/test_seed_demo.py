import io
import re

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.tests.totp import totp
from catalog.models import Product
from demo.catalog import DEMO_COVERS
from orders.models import Discount, DownloadGrant, Order
from payments.models import Checkout
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_creates_working_logins(api_client):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    secrets = dict(re.findall(r"two-factor secret (\S+): ([A-Z2-7]+)", out.getvalue()))

    assert User.objects.count() == 5
    assert Product.objects.filter(merchant__email="merchant@example.com").count() == 6
    assert Product.objects.count() == 12
    assert Discount.objects.get().code == "WELCOME10"
    assert Product.objects.filter(stock__available=0).count() == 1
    assert Product.objects.exclude(image_name="").count() == len(DEMO_COVERS)
    statuses = set(
        Order.objects.filter(buyer__email="customer@example.com").values_list("status", flat=True)
    )
    assert statuses == {"PAYMENT_PENDING", "PAID", "FULFILLED", "CANCELLED", "REFUNDED"}
    assert Order.objects.filter(refunded_amount__gt=0, status="PAID").exists()  # a partial refund
    codes = Product.objects.get(delivery_kind="codes")
    assert codes.codes.count() == 50 and codes.codes.filter(state="sold").count() == 1
    download = Product.objects.get(delivery_kind="download")
    assert download.download_name == "indie-album.zip"
    assert DownloadGrant.objects.filter(order_item__product=download).count() == 1
    licence = Product.objects.get(delivery_kind="licence")
    assert (licence.activation_limit, licence.licence_days) == (3, 365)
    assert licence.licences.count() == 1  # sold in the delivered demo order
    assert set(Checkout.objects.values_list("status", flat=True)) == {"COMPLETED", "FAILED"}
    merchant = User.objects.get(email="merchant@example.com")
    assert merchant.is_staff and merchant.groups.filter(name="Merchants").exists()
    assert User.objects.get(email="admin@example.com").is_superuser
    assert not User.objects.filter(email_verified_at__isnull=True).exists()
    assert set(secrets) == {"merchant@example.com", "admin@example.com"}
    for email, password in [
        ("customer@example.com", "customer123"),
        ("merchant@example.com", "merchant123"),
        ("games@example.com", "merchant123"),
        ("admin@example.com", "admin123"),
    ]:
        response = api_client.post("/api/v1/auth/login", {"email": email, "password": password})
        if email in secrets:  # the printed secret completes the second step
            assert response.status_code == 401 and response.json()["code"] == "otp_required"
            response = api_client.post(
                "/api/v1/auth/login/otp",
                {"challenge": response.json()["challenge"], "code": totp(secrets[email])},
            )
        assert response.status_code == 200, email
    assert ledger_violations() == []


def test_seed_demo_completes_with_the_stripe_gateway_configured(settings):
    """Stripe refuses the simulated test cards: the demo's card payments go
    through the simulated gateway, and keep it for their refunds."""
    from payments import gateways
    from payments.models import Payment

    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_nobody"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: any call would fail
    gateways._build.cache_clear()
    try:
        call_command("seed_demo")
    finally:
        gateways._build.cache_clear()

    statuses = set(Order.objects.values_list("status", flat=True))
    assert statuses == {"PAYMENT_PENDING", "PAID", "FULFILLED", "CANCELLED", "REFUNDED"}
    assert set(Payment.objects.exclude(method="WALLET").values_list("gateway", flat=True)) == {
        "simulated"
    }
    assert ledger_violations() == []
