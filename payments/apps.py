from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        # Services enqueue tasks by name (payments.services.enqueue), so the
        # tasks must be registered in every process, not only in workers.
        from core.metrics import STATE
        from payments import tasks  # noqa: F401
        from payments.metrics import KassaStateCollector

        STATE.register(KassaStateCollector())
