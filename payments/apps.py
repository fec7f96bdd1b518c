from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        # Services enqueue tasks by name (core/task_names.py), so the
        # tasks must be registered in every process, not only in workers.
        from core.metrics import STATE
        from payments import events, tasks  # noqa: F401  (events: registers the types)
        from payments.metrics import KassaStateCollector
        from payments.verification import (
            disputes_hold_matches_open_disputes,
            refund_holds_match_pending_refunds,
        )
        from wallets.verification import register_check

        STATE.register(KassaStateCollector())
        register_check(
            "the refunds-pending wallet holds exactly the pending card refunds",
            refund_holds_match_pending_refunds,
        )
        register_check(
            "the disputes hold holds exactly the open disputes",
            disputes_hold_matches_open_disputes,
        )
