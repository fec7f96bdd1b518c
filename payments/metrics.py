"""Gauges of Kassa's state, read from the database and the broker when /metrics
is scraped (registered in core.metrics.STATE by PaymentsConfig.ready)."""

# The Celery app config/celery.py made current (core sits below config).
from celery import current_app as celery_app
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from payments.models import Payment
from wallets.models import LedgerVerification


def _queue_depth(name: str = "celery") -> float:
    try:
        with celery_app.connection_for_read() as connection:
            return connection.default_channel.queue_declare(queue=name, passive=True).message_count
    except Exception:  # noqa: BLE001 - a broker that cannot say is reported as NaN
        return float("nan")


class KassaStateCollector:
    def collect(self):
        payments = GaugeMetricFamily(
            "kassa_payments", "Payments now, by status.", labels=["status"]
        )
        counts = dict(Payment.objects.values_list("status").annotate(n=Count("pk")))
        for status in Payment.Status.values:
            payments.add_metric([status], counts.get(status, 0))
        yield payments

        oldest = Payment.objects.filter(
            status__in=[Payment.Status.PENDING, Payment.Status.PROCESSING]
        ).aggregate(at=Min("created_at"))["at"]
        age = (timezone.now() - oldest).total_seconds() if oldest else 0
        yield GaugeMetricFamily(
            "kassa_oldest_pending_payment_age_seconds",
            "Age of the oldest payment still pending or processing (0: none).",
            value=age,
        )
        yield GaugeMetricFamily(
            "kassa_celery_queue_depth",
            "Tasks waiting in the Celery queue.",
            value=_queue_depth(),
        )
        last = LedgerVerification.objects.first()
        yield GaugeMetricFamily(
            "kassa_ledger_violations",
            "Violations the last verify_ledger run found (-1: never ran).",
            value=last.violations if last else -1,
        )
        yield GaugeMetricFamily(
            "kassa_ledger_verified_timestamp_seconds",
            "When verify_ledger last ran (0: never).",
            value=last.ran_at.timestamp() if last else 0,
        )
