"""Demo payment links for `manage.py seed_demo`: one completed, one failed."""

from payments.models import Checkout, Payment
from payments.services import checkout_create, payment_create_for_checkout, payment_process


def seed_checkouts(*, merchant, customer, stdout) -> None:
    for key, description, method, token in [
        ("demo-completed", "Consulting invoice 1001", Payment.Method.WALLET, ""),
        ("demo-failed", "Consulting invoice 1002", Payment.Method.CARD, "tok_chargeDeclined"),
    ]:
        checkout, _ = checkout_create(
            merchant=merchant,
            idempotency_key=key,
            amount=4500,
            currency="USD",
            description=description,
        )
        if checkout.status != Checkout.Status.PENDING:
            continue
        payment = payment_create_for_checkout(
            checkout=checkout, payer=customer, method=method, card_token=token
        )
        payment_process(payment_id=payment.pk)
        stdout.write(f"created payment link {description}")
