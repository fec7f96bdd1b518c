"""The reconcilers' resend of payment tasks (see core.enqueue)."""

from django.db import transaction

from core.enqueue import enqueue_on_commit


def requeue_stale(queryset, task_name: str, *, now, batch_size: int = 500) -> int:
    """Send `task_name` again for up to batch_size rows of `queryset` (by pk), for
    the reconcilers. Touching updated_at keeps the next run from sending the same
    row again at once. Returns how many were sent."""
    stale = list(queryset.values_list("pk", flat=True)[:batch_size])
    for pk in stale:
        with transaction.atomic():
            queryset.model.objects.filter(pk=pk).update(updated_at=now)
            enqueue_on_commit(task_name, str(pk))
    return len(stale)
