"""Payments come last in the global lock order: wallets → stock → orders →
checkouts → payments. Refund rows are the exception, see services/refunds.py."""

from payments.models import Checkout, Dispute, Payment, PaymentRefund, WebhookEvent


def payment_qs_for_update():
    return Payment.objects.order_by("pk").select_for_update(of=("self",))


def checkout_qs_for_update():
    return Checkout.objects.order_by("pk").select_for_update(of=("self",))


def refund_qs_for_update():
    return PaymentRefund.objects.order_by("pk").select_for_update(of=("self",))


def webhook_event_qs_for_update():
    return WebhookEvent.objects.order_by("pk").select_for_update()


def dispute_qs_for_update():
    return Dispute.objects.order_by("pk").select_for_update(of=("self",))
