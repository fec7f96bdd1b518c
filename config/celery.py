import os

from celery import Celery
from django_structlog.celery.steps import DjangoStructLogInitStep

from config.startup import start_process

# Production unless told otherwise, as for config.wsgi (`make run` says local).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("kassa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# A task's log lines carry the request id of the request that sent it.
app.steps["worker"].add(DjangoStructLogInitStep)


@app.on_configure.connect
def _start_process(sender, **kwargs):
    """A worker or beat reads its configuration before Django loads its apps:
    the moment to prepare the process (config/startup.py)."""
    start_process()
