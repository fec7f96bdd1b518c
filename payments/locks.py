"""Payments come last in the global lock order: wallets → stock → orders → payments."""

from payments.models import Checkout, Payment


def payment_qs_for_update():
    return Payment.objects.order_by("pk").select_for_update(of=("self",))


def checkout_qs_for_update():
    return Checkout.objects.order_by("pk").select_for_update(of=("self",))
