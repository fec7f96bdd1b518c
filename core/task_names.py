"""Every Celery task's name. Services send tasks by name (core.enqueue), each
task declares its name from here, and beat's schedule uses the same constants,
so a search for one finds the task and every caller."""

PURGE_IDEMPOTENCY_KEYS = "core.tasks.purge_expired_idempotency_keys_task"
WORKER_HEARTBEAT = "core.tasks.worker_heartbeat_task"
VERIFY_LEDGER = "wallets.tasks.verify_ledger_task"
RELEASE_EXPIRED_RESERVATIONS = "orders.tasks.release_expired_reservations_task"
SEND_ORDER_READY_EMAIL = "orders.tasks.send_order_ready_email_task"
PROCESS_PAYMENT = "payments.tasks.process_payment_task"
SEND_REFUND_TO_GATEWAY = "payments.tasks.refund_send_to_gateway_task"
REFUND_LATE_CAPTURE = "payments.tasks.late_capture_refund_task"
RECONCILE_STUCK_PAYMENTS = "payments.tasks.reconcile_stuck_payments_task"
RELAY_EVENTS = "events.tasks.relay_events_task"
DELIVER_WEBHOOKS = "events.tasks.deliver_webhooks_task"
SEND_TEST_WEBHOOK = "events.tasks.send_test_webhook_task"
RESUME_WEBHOOK_DELIVERIES = "events.tasks.resume_webhook_deliveries_task"
