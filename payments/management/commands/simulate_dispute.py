from django.core.management.base import BaseCommand, CommandError

from orders.models import Order
from payments.models import Payment
from payments.services.simulated_disputes import (
    OUTCOMES,
    simulated_dispute_close,
    simulated_dispute_open,
)


class Command(BaseCommand):
    help = (
        "Dispute an order's card payment as a buyer's bank would: the money is held and the "
        "order DISPUTED, then the dispute closes with --outcome (after "
        "SIMULATED_DISPUTE_SECONDS, through a Celery worker; --now closes it at once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("order_id")
        parser.add_argument("--outcome", choices=OUTCOMES, required=True)
        parser.add_argument("--now", action="store_true", help="Close it at once.")

    def handle(self, *args, order_id, outcome, now, **options):
        try:
            order = Order.objects.get(pk=order_id)
        except (Order.DoesNotExist, ValueError) as missing:
            raise CommandError(f"No order {order_id}.") from missing
        payment = order.payments.filter(
            method=Payment.Method.CARD, status__in=Payment.CAPTURED
        ).first()
        if payment is None:
            raise CommandError("This order has no captured card payment to dispute.")
        dispute = simulated_dispute_open(payment=payment, outcome=outcome, close=not now)
        self.stdout.write(f"dispute {dispute.gateway_reference} opened for {dispute.amount}")
        if now:
            dispute = simulated_dispute_close(dispute=dispute, outcome=outcome)
            self.stdout.write(f"dispute {dispute.gateway_reference} closed: {dispute.status}")
        else:
            self.stdout.write(f"it closes as {outcome} in SIMULATED_DISPUTE_SECONDS")
