from datetime import UTC, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from payments.services.reconciliation import reconcile_gateway


class Command(BaseCommand):
    help = (
        "Compare Kassa's card payments, refunds and disputes since a date with the "
        "gateway's records; report each difference and exit non-zero on any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="A date: 2026-11-01.")
        parser.add_argument("--gateway", help="simulated or stripe (default: PAYMENT_GATEWAY).")

    def handle(self, *args, since, gateway, **options):
        day = parse_date(since)
        if day is None:
            raise CommandError("--since takes a date such as 2026-11-01.")
        mismatches = reconcile_gateway(
            since=datetime.combine(day, time.min, tzinfo=UTC), gateway_name=gateway
        )
        for mismatch in mismatches:
            self.stdout.write(self.style.ERROR(f"MISMATCH  {mismatch}"))
        if mismatches:
            raise CommandError(f"{len(mismatches)} mismatch(es) with the gateway.")
        self.stdout.write(self.style.SUCCESS("Kassa and the gateway agree."))
