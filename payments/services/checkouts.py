from django.db import IntegrityError, transaction

from accounts.models import User
from core.exceptions import ApplicationError
from core.idempotency import IdempotencyErrorCode
from payments.models import Checkout


def checkout_create(
    *, merchant: User, idempotency_key: str, amount: int, currency: str, description: str = ""
) -> tuple[Checkout, bool]:
    """Create a payment request, or return the one this merchant made with this key.

    Returns (checkout, created). The same key with another amount, currency or
    description is refused with idempotency_key_reused (422).
    """
    fields = {"amount": amount, "currency": currency, "description": description}
    try:
        with transaction.atomic():
            return (
                Checkout.objects.create(
                    merchant=merchant, idempotency_key=idempotency_key, **fields
                ),
                True,
            )
    except IntegrityError:
        existing = Checkout.objects.get(merchant=merchant, idempotency_key=idempotency_key)
    if any(getattr(existing, name) != value for name, value in fields.items()):
        raise ApplicationError(
            "This idempotency key was already used for a different checkout.",
            code=IdempotencyErrorCode.REUSED,
            status=422,
        )
    return existing, False
