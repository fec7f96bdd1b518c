"""Re-encrypt every stored code with the newest KASSA_ENCRYPTION_KEY.

Rotation: put a new key first in KASSA_ENCRYPTION_KEY (keeping the old ones
after it), deploy, run this command, then drop the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.locks import product_code_qs_for_update
from catalog.models import ProductCode
from core import crypto

BATCH = 1000


class Command(BaseCommand):
    help = "Re-encrypt every code with the first key of KASSA_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        rotated, last_id = 0, 0
        while True:
            with transaction.atomic():
                batch = list(
                    product_code_qs_for_update()
                    .filter(pk__gt=last_id)
                    .only("pk", "ciphertext")[:BATCH]
                )
                if not batch:
                    break
                for code in batch:
                    code.ciphertext = crypto.reencrypt(code.ciphertext)
                ProductCode.objects.bulk_update(batch, ["ciphertext"])
            rotated += len(batch)
            last_id = batch[-1].pk
        self.stdout.write(f"re-encrypted {rotated} codes with the newest key")
