from django.core.management.base import BaseCommand, CommandError

from wallets.verification import verify_ledger


class Command(BaseCommand):
    help = "Check every ledger invariant; exit non-zero on any violation."

    def handle(self, *args, **options):
        failures = 0
        for check, problems in verify_ledger().items():
            if problems:
                failures += len(problems)
                self.stdout.write(self.style.ERROR(f"FAIL  {check}"))
                for problem in problems:
                    self.stdout.write(f"      {problem}")
            else:
                self.stdout.write(self.style.SUCCESS(f"ok    {check}"))
        if failures:
            raise CommandError(f"{failures} ledger violation(s).")
        self.stdout.write(self.style.SUCCESS("Ledger verified."))
