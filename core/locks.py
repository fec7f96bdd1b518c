"""The only place core's rows are locked."""

from core.models import IdempotencyKey


def idempotency_key_qs_for_update():
    return IdempotencyKey.objects.select_for_update()
