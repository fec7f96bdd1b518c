"""Demo data for `make run`. Safe to run any number of times."""

from base64 import b32encode

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import totp_secret, two_factor_enable_with_secret, user_grant_merchant_admin
from demo.catalog import seed_products
from demo.discounts import seed_discounts
from demo.orders import seed_orders
from demo.payments import seed_checkouts
from payments.gateways import SimulatedGateway, new_payments_through
from wallets.models import Wallet
from wallets.services import wallet_deposit

DEMO_USERS = [
    # email, password, role, first name, last name
    ("customer@example.com", "customer123", User.Role.CUSTOMER, "Casey", "Customer"),
    ("merchant@example.com", "merchant123", User.Role.MERCHANT, "Morgan", "Merchant"),
    ("games@example.com", "merchant123", User.Role.MERCHANT, "Nora", "Games"),
    ("studio@example.com", "merchant123", User.Role.MERCHANT, "Olu", "Studio"),
    ("admin@example.com", "admin123", User.Role.ADMIN, "Ada", "Admin"),
]
# Two-factor keys of the demo merchant and admin: as public as their passwords,
# so anyone trying the demo can add them to an authenticator app (README).
DEMO_TOTP_KEYS = {
    "merchant@example.com": b"kassa-demo-merchant!",
    "admin@example.com": b"kassa-demo-admin-key",
}


class Command(BaseCommand):
    help = "Create the demo users (and, as apps grow, their demo data). Idempotent."

    # No transaction around it all: the demo payments call the gateway, which
    # never happens inside one; each service commits its own work.
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
            if not user.email_verified:
                user.email_verified_at = timezone.now()  # no link to click in a demo
            user.save()
            if user.is_merchant:
                user_grant_merchant_admin(user=user)  # the admin, scoped to their rows
            self.stdout.write(f"{'created' if created else 'exists '} {role:<8} {email}")
        for email, key in DEMO_TOTP_KEYS.items():
            self._two_factor(User.objects.get(email=email), key)
        merchants = {u.email: u for u in User.objects.filter(role=User.Role.MERCHANT)}
        seed_products(merchants=merchants, stdout=self.stdout)
        merchant = merchants["merchant@example.com"]
        seed_discounts(merchant=merchant, stdout=self.stdout)
        customer = User.objects.get(email="customer@example.com")
        if not Wallet.objects.filter(owner=customer, entries__isnull=False).exists():
            wallet_deposit(user=customer, amount=50_000, currency="USD", description="Demo funds")
            self.stdout.write("funded customer@example.com with 500.00 USD")
        # The demo's card payments go through the simulated gateway whatever
        # PAYMENT_GATEWAY says: its test cards decide their outcome, and each
        # payment keeps that gateway for its refunds.
        if settings.PAYMENT_GATEWAY != SimulatedGateway.name:
            self.stdout.write(
                f"demo card payments use the simulated gateway (PAYMENT_GATEWAY="
                f"{settings.PAYMENT_GATEWAY} serves new payments)"
            )
        with new_payments_through(SimulatedGateway.name):
            seed_orders(customer=customer, merchant=merchant, stdout=self.stdout)
            seed_checkouts(merchant=merchant, customer=customer, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _two_factor(self, user: User, key: bytes) -> None:
        """Enrolled once with the fixed key; a key changed by hand is kept."""
        if not user.two_factor_enabled:
            codes = two_factor_enable_with_secret(user=user, secret=key)
            self.stdout.write(f"two-factor on for {user.email}; recovery codes: {' '.join(codes)}")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        secret = totp_secret(device) if device else b32encode(key).decode()
        self.stdout.write(f"two-factor secret {user.email}: {secret}")
