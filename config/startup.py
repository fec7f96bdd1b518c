"""What a Kassa process does once, before Django loads its apps: the folders the
embedded defaults write to, the metrics folder every process of a host counts
into, and Sentry. Importing the settings does none of it; the entry points do:
wsgi.py, asgi.py, manage.py and the Celery app (config/celery.py)."""

import functools
import os
from pathlib import Path

from django.conf import settings

from core.sentry import init_sentry


@functools.cache
def start_process() -> None:
    # prometheus_client picks its multiprocess mode when it is first imported,
    # which Django's app loading does: the variable must come first.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", settings.PROMETHEUS_MULTIPROC_DIR)
    folders = [os.environ["PROMETHEUS_MULTIPROC_DIR"]]
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folders += [
            options[name] for name in ("data_folder_in", "processed_folder", "control_folder")
        ]
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)
    init_sentry(
        dsn=settings.SENTRY_DSN,
        environment=settings.SENTRY_ENVIRONMENT,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
    )
