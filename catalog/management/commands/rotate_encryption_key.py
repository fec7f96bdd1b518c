"""Re-encrypt every stored code, and every webhook signing secret, with the
newest KASSA_ENCRYPTION_KEY.

Rotation: put a new key first in KASSA_ENCRYPTION_KEY (keeping the old ones
after it), deploy, run this command, then drop the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.locks import product_code_qs_for_update
from catalog.models import ProductCode
from core import crypto
from events.locks import webhook_secret_qs_for_update
from events.models import WebhookSecret

BATCH = 1000


class Command(BaseCommand):
    help = "Re-encrypt every code and webhook secret with the first key of KASSA_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        codes = _reencrypt(product_code_qs_for_update, ProductCode)
        secrets = _reencrypt(webhook_secret_qs_for_update, WebhookSecret)
        self.stdout.write(
            f"re-encrypted {codes} codes and {secrets} webhook signing secrets with the newest key"
        )


def _reencrypt(locked_rows, model) -> int:
    rotated, last_id = 0, 0
    while True:
        with transaction.atomic():
            batch = list(locked_rows().filter(pk__gt=last_id).only("pk", "ciphertext")[:BATCH])
            if not batch:
                return rotated
            for row in batch:
                row.ciphertext = crypto.reencrypt(row.ciphertext)
            model.objects.bulk_update(batch, ["ciphertext"])
        rotated += len(batch)
        last_id = batch[-1].pk
