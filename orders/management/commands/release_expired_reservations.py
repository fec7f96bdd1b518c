from django.core.management.base import BaseCommand

from orders.services import order_release_expired


class Command(BaseCommand):
    help = "Cancel card orders whose stock reservation has expired and return the stock."

    def handle(self, *args, **options):
        released = order_release_expired()
        self.stdout.write(self.style.SUCCESS(f"Released {released} expired reservation(s)."))
