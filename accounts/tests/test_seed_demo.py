import pytest
from django.core.management import call_command

from accounts.models import User
from catalog.models import Product
from orders.models import Order
from wallets.models import Wallet
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_creates_working_logins(api_client):
    call_command("seed_demo")
    call_command("seed_demo")

    assert User.objects.count() == 3
    assert Product.objects.filter(merchant__email="merchant@example.com").count() == 6
    assert Order.objects.filter(buyer__email="customer@example.com").count() == 2
    spent = sum(Order.objects.values_list("total", flat=True))
    assert Wallet.objects.get(owner__email="customer@example.com").balance == 50_000 - spent
    assert User.objects.get(email="admin@example.com").is_superuser
    for email, password in [
        ("customer@example.com", "customer123"),
        ("merchant@example.com", "merchant123"),
        ("admin@example.com", "admin123"),
    ]:
        response = api_client.post("/api/v1/auth/login", {"email": email, "password": password})
        assert response.status_code == 200, email
    assert ledger_violations() == []
