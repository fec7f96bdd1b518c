"""What Celery beat sends, and how often (base.py imports it)."""

from config.settings.environment import env
from core import task_names

# Proceeds that are due move into merchants' wallets this often (wallets/services/proceeds.py).
MERCHANT_SETTLEMENT_SECONDS = env.int("MERCHANT_SETTLEMENT_SECONDS", default=5)
# Beat sends a heartbeat task this often; /readyz calls the workers alive while
# one ran within WORKER_HEARTBEAT_MAX_AGE seconds.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=20)
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=60)
CELERY_BEAT_SCHEDULE = {
    "purge-expired-idempotency-keys": {
        "task": task_names.PURGE_IDEMPOTENCY_KEYS,
        "schedule": 3600.0,
    },
    "reconcile-stuck-payments": {
        "task": task_names.RECONCILE_STUCK_PAYMENTS,
        "schedule": 60.0,
    },
    "worker-heartbeat": {
        "task": task_names.WORKER_HEARTBEAT,
        "schedule": float(WORKER_HEARTBEAT_SECONDS),
    },
    "verify-ledger": {
        "task": task_names.VERIFY_LEDGER,
        "schedule": 3600.0,
    },
    "settle-merchant-proceeds": {
        "task": task_names.SETTLE_MERCHANT_PROCEEDS,
        "schedule": float(MERCHANT_SETTLEMENT_SECONDS),
    },
    "release-expired-reservations": {
        "task": task_names.RELEASE_EXPIRED_RESERVATIONS,
        "schedule": 60.0,
    },
    # Safety nets: each commit with events sends the relay, each relay the
    # deliveries; these catch what a broker that was down lost, and retries
    # due after a long backoff.
    "send-due-receipts": {
        "task": task_names.SEND_DUE_RECEIPTS,
        "schedule": 60.0,
    },
    "relay-events": {
        "task": task_names.RELAY_EVENTS,
        "schedule": 15.0,
    },
    "resume-webhook-deliveries": {
        "task": task_names.RESUME_WEBHOOK_DELIVERIES,
        "schedule": 30.0,
    },
}
