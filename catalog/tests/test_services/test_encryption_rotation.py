"""Key rotation: a new key in front, rotate_encryption_key, the old key dropped,
and every code still reads the same."""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.test import override_settings

from accounts.tests.factories import MerchantFactory
from catalog.tests.factories import code_product
from core import crypto
from events.selectors import webhook_endpoint_signing_secrets
from events.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_keys():
    crypto._fernet.cache_clear()
    yield
    crypto._fernet.cache_clear()


def test_codes_survive_a_key_rotation(settings):
    old_key, new_key = settings.KASSA_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    product = code_product(codes=["ROTATE-0001", "ROTATE-0002"])

    with override_settings(KASSA_ENCRYPTION_KEYS=[new_key, old_key]):
        crypto._fernet.cache_clear()
        out = io.StringIO()
        call_command("rotate_encryption_key", stdout=out)
    assert "re-encrypted 2 codes," in out.getvalue()
    crypto._fernet.cache_clear()

    with override_settings(KASSA_ENCRYPTION_KEYS=[new_key]):
        crypto._fernet.cache_clear()
        plain = [crypto.decrypt(c.ciphertext) for c in product.codes.order_by("id")]
    assert plain == ["ROTATE-0001", "ROTATE-0002"]
    crypto._fernet.cache_clear()
    with pytest.raises(InvalidToken):
        crypto.decrypt(product.codes.first().ciphertext)  # the old key alone no longer reads it


def test_webhook_signing_secrets_survive_a_key_rotation(settings):
    old_key, new_key = settings.KASSA_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    endpoint, secret = webhook_endpoint_create(
        merchant=MerchantFactory(), url="http://127.0.0.1:9/", event_types=["*"]
    )

    with override_settings(KASSA_ENCRYPTION_KEYS=[new_key, old_key]):
        crypto._fernet.cache_clear()
        out = io.StringIO()
        call_command("rotate_encryption_key", stdout=out)
    with override_settings(KASSA_ENCRYPTION_KEYS=[new_key]):
        crypto._fernet.cache_clear()
        assert webhook_endpoint_signing_secrets(endpoint=endpoint) == [secret]
    assert "1 webhook signing secrets" in out.getvalue()
