"""Re-encrypt every stored code, every webhook signing secret and every
order's fulfilment note with the newest KASSA_ENCRYPTION_KEY. It lives in
orders, the highest of the apps that keep secrets, so it may import them all.

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
from orders.locks import order_qs_for_update
from orders.models import Order

BATCH = 1000


class Command(BaseCommand):
    help = (
        "Re-encrypt every code, webhook secret and fulfilment note with the first key of "
        "KASSA_ENCRYPTION_KEY."
    )

    def handle(self, *args, **options):
        codes = _reencrypt(product_code_qs_for_update, ProductCode)
        secrets = _reencrypt(webhook_secret_qs_for_update, WebhookSecret)
        notes = _reencrypt(
            lambda: order_qs_for_update().exclude(fulfilment_note_ciphertext=""),
            Order,
            field="fulfilment_note_ciphertext",
        )
        self.stdout.write(
            f"re-encrypted {codes} codes, {secrets} webhook signing secrets and {notes} "
            "fulfilment notes with the newest key"
        )


def _reencrypt(locked_rows, model, field: str = "ciphertext") -> int:
    rotated, last_id = 0, None
    while True:
        with transaction.atomic():
            rows = locked_rows() if last_id is None else locked_rows().filter(pk__gt=last_id)
            batch = list(rows.only("pk", field)[:BATCH])
            if not batch:
                return rotated
            for row in batch:
                setattr(row, field, crypto.reencrypt(getattr(row, field)))
            model.objects.bulk_update(batch, [field])
        rotated += len(batch)
        last_id = batch[-1].pk
