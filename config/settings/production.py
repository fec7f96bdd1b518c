"""Production: what gunicorn and docker-compose use. Secrets come from the env."""

from django.core.exceptions import ImproperlyConfigured

from core.log_config import logging_config

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

# What production refuses to start without: each has a development default in
# base.py that would be wrong, or unsafe, on a real host.
if not SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY: production never uses a default key.")
if not KASSA_ENCRYPTION_KEYS:  # noqa: F405
    raise ImproperlyConfigured(
        "Set KASSA_ENCRYPTION_KEY: codes are stored encrypted, and production never "
        "generates a key (python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    )
if not env("SITE_URL", default=""):
    raise ImproperlyConfigured(
        "Set SITE_URL (https://shop.example.com): the links in Kassa's emails start with it."
    )
if not env("DEFAULT_FROM_EMAIL", default=""):
    raise ImproperlyConfigured(
        "Set DEFAULT_FROM_EMAIL (Shop <orders@shop.example.com>): Kassa's emails come from it."
    )

DEBUG = env.bool("DJANGO_DEBUG", default=False)
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO"))

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Off only for a plain-http trial run (docker-compose on localhost).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
