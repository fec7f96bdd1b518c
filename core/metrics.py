"""Prometheus metrics for money and queues.

Counters and histograms are counted where things happen (web and worker
processes; with PROMETHEUS_MULTIPROC_DIR set, e.g. by gunicorn.conf.py, the
processes of one host add up). Gauges of state are read from the database and
the broker when /metrics is scraped, so they are right whichever process asks.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram

# Collectors of state (gauges read at scrape time); apps register theirs.
STATE = CollectorRegistry()

PAYMENT_ATTEMPTS = Counter(
    "kassa_payment_attempts", "Payment attempts at the gateway, by outcome.", ["outcome"]
)
GATEWAY_SECONDS = Histogram(
    "kassa_gateway_seconds",
    "Time a gateway call took.",
    ["operation"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PAYMENT_RETRIES = Counter("kassa_payment_retries", "Payment attempts scheduled again.")
PAYMENT_RETRIES_EXHAUSTED = Counter(
    "kassa_payment_retries_exhausted", "Payments failed because their retries ran out."
)
REFUNDS = Counter("kassa_refunds", "Card refunds sent to the gateway, by outcome.", ["outcome"])
WEBHOOK_SIGNATURE_FAILURES = Counter(
    "kassa_webhook_signature_failures", "Webhook deliveries refused for their signature."
)
WEBHOOK_DUPLICATES = Counter("kassa_webhook_duplicates", "Webhook events delivered again.")
WEBHOOK_DELIVERY_ATTEMPTS = Counter(
    "kassa_webhook_delivery_attempts",
    "Webhook deliveries to merchants, by outcome: delivered, failed (tried again), "
    "dead_lettered, gone (410: the endpoint is disabled).",
    ["outcome"],
)
GATEWAY_ERRORS = Counter(
    "kassa_gateway_errors",
    "Gateway calls the gateway refused for Kassa's or the operator's fault (a revoked "
    "key, a missing permission, a malformed request), by kind.",
    ["kind"],
)
RECONCILIATION_MISMATCHES = Counter(
    "kassa_reconciliation_mismatches",
    "Differences reconcile_gateway found between Kassa's records and the gateway's.",
    ["kind"],
)
RECONCILED = Counter(
    "kassa_reconciled", "Stuck payments or refunds sent again by the reconciler.", ["kind"]
)
IDEMPOTENCY_REPLAYS = Counter("kassa_idempotency_replays", "Answers replayed for a known key.")
IDEMPOTENCY_CONFLICTS = Counter(
    "kassa_idempotency_conflicts", "Keys refused: reused for another request, or in use.", ["code"]
)
REFUSALS = Counter(
    "kassa_refusals",
    "Requests a business rule refused (4xx with a code), by view and code; "
    'view="OrderListCreateApi" are the refused checkouts.',
    ["view", "code", "status"],
)
