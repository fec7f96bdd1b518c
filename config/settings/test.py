"""pytest: fast hashing, in-memory email, Celery tasks run in-process."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, REDIS_URL

# Each test process keeps its uploads and its metric files in a folder of its
# own, so a test reading /metrics sees only its own process's counters move;
# the folder goes when the process ends.
_SCRATCH = Path(tempfile.mkdtemp(prefix="kassa-test-"))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)

if DATABASES["default"]["ENGINE"].endswith(".sqlite3"):
    # pytest-django gives each xdist worker a database of its own only for
    # Django's own engine name, which the metrics wrapper does not have
    # (it would build test_/…/db.sqlite3_gw0). In memory, as Django tests
    # SQLite by default: one database per worker process.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

if "replica" in DATABASES:
    # The replica streams the primary's test database: no database of its own.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
REPLICA_READS = False

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
KASSA_ENCRYPTION_KEYS = ["pWPJ8ff4-9e-dsLMLDZkjwHf2FVtLZnxYk8hX8pvz4E="]
KASSA_FINGERPRINT_KEY = "test-fingerprint-key"
MEDIA_ROOT = str(_SCRATCH / "media")
CELERY_TASK_ALWAYS_EAGER = True
# Eager tasks that propagate their exceptions turn self.retry() into a raised
# Retry instead of re-running the task, so retries could not be tested; tests
# assert on the state tasks leave behind instead.
CELERY_TASK_EAGER_PROPAGATES = False
WHITENOISE_AUTOREFRESH = True
PAYMENT_RETRY_BASE_DELAY = 0
# The tests' receivers are HTTP servers on 127.0.0.1; retries wait no time.
KASSA_WEBHOOKS_ALLOW_PRIVATE = True
WEBHOOK_RETRY_BASE_DELAY = 0
PAYMENT_GATEWAY = "simulated"
STRIPE_SECRET_KEY = "sk_test_placeholder"
STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
AXES_VERBOSE = False

# pytest-xdist: each worker (gw0, gw1, ...) gets its own Redis database, since
# every test clears the cache and would otherwise wipe the other worker's keys.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and REDIS_URL:
    _url = urlparse(REDIS_URL)
    _db = int(_url.path.lstrip("/") or 0) + int(_worker[2:])
    CACHES["default"]["LOCATION"] = _url._replace(path=f"/{_db}").geturl()

PROMETHEUS_MULTIPROC_DIR = str(_SCRATCH / "prometheus")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = PROMETHEUS_MULTIPROC_DIR
Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
# Staff and merchants in the suite reach /admin/ with the password alone; the
# requirement itself is tested with override_settings(KASSA_REQUIRE_2FA=True).
KASSA_REQUIRE_2FA = False
