import pytest

from payments import gateways
from payments.tests.stripe_fake import FakeStripe


@pytest.fixture
def fake_stripe(settings):
    fake = FakeStripe().start()
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    gateways._build.cache_clear()
    yield fake
    fake.stop()
    gateways._build.cache_clear()
