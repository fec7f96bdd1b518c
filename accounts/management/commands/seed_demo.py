"""Demo data for `make run`. Safe to run any number of times."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from catalog.demo import seed_products
from orders.demo import seed_orders
from wallets.models import Wallet
from wallets.services import wallet_deposit

DEMO_USERS = [
    # email, password, role, first name, last name
    ("customer@example.com", "customer123", User.Role.CUSTOMER, "Casey", "Customer"),
    ("merchant@example.com", "merchant123", User.Role.MERCHANT, "Morgan", "Merchant"),
    ("admin@example.com", "admin123", User.Role.ADMIN, "Ada", "Admin"),
]


class Command(BaseCommand):
    help = "Create the demo users (and, as apps grow, their demo data). Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        for email, password, role, first_name, last_name in DEMO_USERS:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={"role": role, "first_name": first_name, "last_name": last_name},
            )
            if created:
                # Demo passwords are deliberately weak, so they skip the validators.
                user.set_password(password)
                if role == User.Role.ADMIN:
                    user.is_staff = user.is_superuser = True
                user.save()
            self.stdout.write(f"{'created' if created else 'exists '} {role:<8} {email}")
        merchant = User.objects.get(email="merchant@example.com")
        seed_products(merchant=merchant, stdout=self.stdout)
        customer = User.objects.get(email="customer@example.com")
        if not Wallet.objects.filter(owner=customer, entries__isnull=False).exists():
            wallet_deposit(user=customer, amount=50_000, currency="USD", description="Demo funds")
            self.stdout.write("funded customer@example.com with 500.00 USD")
        seed_orders(customer=customer, merchant=merchant, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
