"""Settings shared by every environment; anything that differs is read from the env."""

from datetime import timedelta

from csp.constants import NONCE, NONE, SELF
from django.utils.dateparse import parse_duration

from config.settings.environment import BASE_DIR, env
from core.log_config import logging_config

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_htmx",
    "django_structlog",
    "django_prometheus",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "events",
    "wallets",
    "catalog",
    "orders",
    "payments",
    "storefront",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # First: every later line of the request, the tasks it sends and their gateway
    # calls carry its request id, which the answer names too.
    "core.middleware.RequestContextMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A browser or account that has just written reads the primary for a few
    # seconds (a no-op without DATABASE_REPLICA_URL).
    "core.replica.ReadYourWritesMiddleware",
    # request.user.is_verified(): the session passed its second factor.
    "django_otp.middleware.OTPMiddleware",
    # A session whose account needs a second factor it has not given yet can
    # only give it (or sign out); its sign-in's "last seen" for "Account".
    "accounts.middleware.SecondFactorMiddleware",
    "accounts.middleware.SignInActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its answer.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"

# Security headers everywhere; HSTS and the https redirect are production's.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp: a fresh nonce per response for the few inline scripts and styles
# a page has; nothing inline runs without it. Only the Swagger UI page (whose
# bundle needs inline code) relaxes this, in config/urls.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "storefront.context_processors.cart_summary",
            ],
        },
    },
]

# --- Data stores ------------------------------------------------------------


def _database(url: str) -> dict:
    config = env.db_url_config(url)
    # Wrappers of the same backends count queries, their time, errors and
    # connections for /metrics as django-prometheus names them, for half its cost
    # per statement (core/db_metrics; DB_METRICS=false: plain backends,
    # docs/performance.md).
    if env.bool("DB_METRICS", default=True):
        config["ENGINE"] = {
            "django.db.backends.postgresql": "core.db_metrics.postgresql",
            "django.db.backends.sqlite3": "core.db_metrics.sqlite3",
        }.get(config["ENGINE"], config["ENGINE"])
    config["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # A SELECT 1 before a request reuses a persistent connection: a connection the
    # server closed meanwhile is replaced instead of failing the request.
    config["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
    if config["ENGINE"].endswith(".postgresql") and env.bool(
        "DB_SERVER_SIDE_BINDING", default=True
    ):
        # psycopg 3 sends the parameters apart from the SQL, so a statement a
        # connection has run DB_PREPARE_THRESHOLD times is prepared: PostgreSQL
        # stops parsing and planning it (about 40% of its CPU per checkout,
        # docs/performance.md). Behind PgBouncer older than 1.21 in transaction
        # mode, set DB_PREPARE_THRESHOLD to empty: no statement is prepared.
        config.setdefault("OPTIONS", {})["server_side_binding"] = True
        if prepare_threshold := env("DB_PREPARE_THRESHOLD", default="5"):
            config["OPTIONS"]["prepare_threshold"] = int(prepare_threshold)
    if config["ENGINE"].endswith(".sqlite3"):
        # The embedded default has a web server and a Celery worker writing at
        # once: wait for the file lock instead of failing, and take it up front.
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    return config


DATABASES = {
    "default": _database(env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")),
}
# A streaming replica for the reads that may lag a few seconds (the catalog, the
# dashboard's reports and CSV exports): core/replica.py decides which read it,
# never one inside a transaction (docs/scaling.md).
if DATABASE_REPLICA_URL := env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# After a write, that browser or account reads only the primary for this long,
# so it sees its own change however far the replica lags (read-your-writes).
REPLICA_READ_YOUR_WRITES_SECONDS = env.int("REPLICA_READ_YOUR_WRITES_SECONDS", default=5)
# The suite turns this off (its tests' rows are never committed, so a replica
# cannot see them) but for the router's own tests.
REPLICA_READS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kassa",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A dead Redis must slow nothing down: fail fast, then fall
                # back to the database (see DJANGO_REDIS_IGNORE_EXCEPTIONS).
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    # The cache is an accelerator, never a dependency: reads miss and writes
    # are dropped (with a logged warning) while Redis is unreachable.
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out account+address is refused before the
    # password is even checked.
    "accounts.backends.LoginGuardBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:catalog"
LOGOUT_REDIRECT_URL = "storefront:catalog"

# Brute-force protection for every password form (storefront and admin): locked
# per account *and* client address together, so one attacker cannot lock out
# everyone behind a shared address. The JSON API keeps its own 429 throttle.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the storefront's and the admin's login forms
AXES_USERNAME_CALLABLE = "accounts.backends.login_identity"
AXES_CLIENT_IP_CALLABLE = "core.clients.client_ip"
AXES_WHITELIST_CALLABLE = "core.clients.is_api_request"
AXES_LOCKOUT_TEMPLATE = "storefront/locked_out.html"

# Password reset, email verification and two-factor sign-in: accounts.py.
from config.settings.accounts import *  # noqa: E402, F403

# --- I18N / static ------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Money ------------------------------------------------------------------

# ISO 4217 codes Kassa accepts; the first is the default currency.
KASSA_CURRENCIES = [c.upper() for c in env.list("KASSA_CURRENCIES", default=["USD"])]
PRODUCT_CACHE_TTL = env.int("PRODUCT_CACHE_TTL", default=60)
MINIMUM_WITHDRAWAL = env.int("MINIMUM_WITHDRAWAL", default=100)
MAXIMUM_DEPOSIT = env.int("MAXIMUM_DEPOSIT", default=1_000_000)
RESERVATION_TTL_SECONDS = env.int("RESERVATION_TTL_SECONDS", default=900)
# How long a sweep waits after the commit that sent it, gathering later ones (core.enqueue).
SWEEP_GATHER_SECONDS = env.float("SWEEP_GATHER_SECONDS", default=0.1)
MAX_OPEN_RESERVATIONS = env.int("MAX_OPEN_RESERVATIONS", default=20)
# A sale's money is pending for MERCHANT_FUNDS_HOLD (a duration: 0, "12:00:00",
# "P7D"), then available to the merchant; the settlement task moves it every
# MERCHANT_SETTLEMENT_SECONDS (beat.py), SETTLEMENT_BATCH_SIZE proceeds at a time. Sales
# are spread over MERCHANT_CLEARING_SHARDS clearing wallets (wallets/services/
# proceeds.py): more shards, fewer sales waiting on one another.
MERCHANT_FUNDS_HOLD = parse_duration(env("MERCHANT_FUNDS_HOLD", default="0"))
SETTLEMENT_BATCH_SIZE = env.int("SETTLEMENT_BATCH_SIZE", default=500)
MERCHANT_CLEARING_SHARDS = env.int("MERCHANT_CLEARING_SHARDS", default=32)
ADMIN_LOGIN_RATE = env("ADMIN_LOGIN_RATE", default="5/min")
# Deadlocks and serialization failures are retried this many times, then 409.
DB_CONFLICT_RETRIES = env.int("DB_CONFLICT_RETRIES", default=3)
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# A key still "in progress" this long after its request began belongs to a
# process that died; a retry may take it over (its work was rolled back).
IDEMPOTENCY_LOCK_TIMEOUT_SECONDS = env.int("IDEMPOTENCY_LOCK_TIMEOUT_SECONDS", default=60)

# --- Digital delivery ---------------------------------------------------------

# Fernet keys for codes at rest, comma-separated, newest first (core/crypto.py).
# production.py requires them; local.py generates one into var/ when unset.
KASSA_ENCRYPTION_KEYS = env.list("KASSA_ENCRYPTION_KEY", default=[])
# Finds duplicate codes without decrypting them; never rotate it once codes
# exist, or old and new fingerprints of one code would differ.
KASSA_FINGERPRINT_KEY = env("KASSA_FINGERPRINT_KEY", default="") or SECRET_KEY
MAX_CODES_PER_UPLOAD = 10_000
MAX_CODE_LENGTH = env.int("MAX_CODE_LENGTH", default=128)
# The public Licence API (catalog/api_licences.py), per client address and per
# key: enough for a merchant's app that checks at start-up, far too few to guess
# keys with.
LICENCE_API_RATE_PER_ADDRESS = env("LICENCE_API_RATE_PER_ADDRESS", default="60/min")
LICENCE_API_RATE_PER_KEY = env("LICENCE_API_RATE_PER_KEY", default="20/min")
MAX_DOWNLOAD_BYTES = env.int("MAX_DOWNLOAD_BYTES", default=50 * 1024 * 1024)
DOWNLOAD_TTL_HOURS = env.int("DOWNLOAD_TTL_HOURS", default=24)
DOWNLOAD_LIMIT = env.int("DOWNLOAD_LIMIT", default=5)
# How many fresh links a buyer may ask for per order line, beyond the first.
DOWNLOAD_REISSUE_LIMIT = env.int("DOWNLOAD_REISSUE_LIMIT", default=5)
# Product cover images (catalog/services/images.py): refused past this many
# bytes, or past this many pixels (a small file can decode to a huge image).
MAX_IMAGE_BYTES = env.int("MAX_IMAGE_BYTES", default=5 * 1024 * 1024)
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=40_000_000)
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
# Downloads go through Django's storage API: the filesystem under MEDIA_ROOT,
# or any S3-compatible store through django-storages when AWS_STORAGE_BUCKET_NAME is set.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
# Public base address for links in emails ("Your order is ready").
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
# Email: the console by default; SMTP from EMAIL_URL (smtp+tls://user:pass@host:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Kassa <orders@kassa.local>")

# --- Payments -----------------------------------------------------------------

PAYMENT_GATEWAY = env("PAYMENT_GATEWAY", default="simulated")  # simulated | stripe
PAYMENT_MAX_RETRIES = env.int("PAYMENT_MAX_RETRIES", default=3)
PAYMENT_RETRY_BASE_DELAY = env.float("PAYMENT_RETRY_BASE_DELAY", default=2.0)
PAYMENT_GATEWAY_TIMEOUT_SECONDS = env.float("PAYMENT_GATEWAY_TIMEOUT_SECONDS", default=10.0)
# Payments left PENDING or PROCESSING longer than this are re-enqueued.
PAYMENT_STUCK_AFTER_SECONDS = env.int("PAYMENT_STUCK_AFTER_SECONDS", default=120)
SIMULATED_GATEWAY_LATENCY_MS = env.int("SIMULATED_GATEWAY_LATENCY_MS", default=0)
# How long the simulated gateway takes to decide a dispute of its disputed test cards.
SIMULATED_DISPUTE_SECONDS = env.int("SIMULATED_DISPUTE_SECONDS", default=60)
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# With PAYMENT_GATEWAY=stripe and this key, the storefront's card page shows
# Stripe's Payment Element (Stripe.js) instead of the test-card select.
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")

# --- API ----------------------------------------------------------------------

# DRF, simplejwt and drf-spectacular: config/settings/api.py.
from config.settings.api import *  # noqa: E402, F403

# --- Celery -------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded default: a real worker process fed through files in var/,
    # so asynchronous work stays asynchronous without Redis or RabbitMQ.
    _broker_dir = BASE_DIR / "var" / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task whose worker died unacknowledged (acks_late) goes back to the
    # queue after visibility_timeout; it must exceed the longest retry delay.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_IGNORE_RESULT = True
# The queue tasks go to unless routed: an end-to-end test gives its worker a
# queue of its own, so the tasks that worker sends stay with it.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# What beat sends, and how often: config/settings/beat.py.
from config.settings.beat import *  # noqa: E402, F403

# --- Logging ------------------------------------------------------------------

# One line per event (core/log_config.py); LOG_FORMAT=json (production's
# default) for a log shipper, readable lines otherwise.
LOG_FORMAT = env("LOG_FORMAT", default="console")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO"))
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# An X-Request-ID header is believed only from a trusted proxy (NUM_PROXIES).
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env.int("NUM_PROXIES", default=0) > 0
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers keep the logging above

# --- Metrics ------------------------------------------------------------------

# Every Kassa process of a host (gunicorn workers, Celery workers, beat) counts
# into one folder, so /metrics adds them up (config/startup.py exports it).
PROMETHEUS_MULTIPROC_DIR = env(
    "PROMETHEUS_MULTIPROC_DIR", default=str(BASE_DIR / "var" / "prometheus")
)
# /metrics answers these addresses, or a request with "Authorization: Bearer <METRICS_TOKEN>".
METRICS_ALLOWED_CIDRS = env.list("METRICS_ALLOWED_CIDRS", default=["127.0.0.0/8", "::1/128"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# --- Errors -------------------------------------------------------------------

# Errors go to Sentry only when a DSN is set; secrets are scrubbed (core/sentry.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
