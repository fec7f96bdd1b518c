"""Developer machine: what `make run` uses."""

from cryptography.fernet import Fernet

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-local-development-only")

if not KASSA_ENCRYPTION_KEYS:  # noqa: F405
    # A key of this machine's own, kept in var/ so codes stay readable across runs.
    _key_file = BASE_DIR / "var" / "encryption.key"  # noqa: F405
    if not _key_file.exists():
        _key_file.parent.mkdir(parents=True, exist_ok=True)
        _key_file.write_bytes(Fernet.generate_key())
    KASSA_ENCRYPTION_KEYS = [_key_file.read_text().strip()]
KASSA_FINGERPRINT_KEY = env("KASSA_FINGERPRINT_KEY", default="") or SECRET_KEY
# `make run` serves 127.0.0.1:8000: links in emails must name the same host, or
# the buyer who follows one arrives without the session cookie.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# A receiver on this machine (http://127.0.0.1:…) may take Kassa's webhooks.
KASSA_WEBHOOKS_ALLOW_PRIVATE = env.bool("KASSA_WEBHOOKS_ALLOW_PRIVATE", default=True)
# The worker prints the console backend's emails as they are, not as WARNING
# lines of a logger.
CELERY_WORKER_REDIRECT_STDOUTS = False
# The embedded default broker (filesystem://) has no host: kombu says so at
# every connection.
LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}  # noqa: F405
