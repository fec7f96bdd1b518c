import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections
from django_structlog.celery.steps import DjangoStructLogInitStep

from config.startup import start_process

# Production unless told otherwise, as for config.wsgi (`make run` says local).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("kassa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Celery's Django fixup closes the database connection before and after every
# task unless CELERY_DB_REUSE_MAX says how many to reuse it for: each sweep, each
# settlement, each relay then opened a new connection (a new PostgreSQL backend),
# several a second under load. Tasks keep theirs by Django's own rule instead, as
# requests do (_tasks_reuse_connections below).
app.conf.CELERY_DB_REUSE_MAX = 2**62
# A task's log lines carry the request id of the request that sent it.
app.steps["worker"].add(DjangoStructLogInitStep)


@app.on_configure.connect
def _start_process(sender, **kwargs):
    """A worker or beat reads its configuration before Django loads its apps:
    the moment to prepare the process (config/startup.py)."""
    start_process()


@task_prerun.connect
@task_postrun.connect
def _tasks_reuse_connections(sender=None, **kwargs):
    """Around each task, as around each request: a connection older than
    CONN_MAX_AGE or broken by an error is closed, and CONN_HEALTH_CHECKS checks
    the kept one before the task's first query (a restarted PostgreSQL costs a
    task nothing). Not for a task run eagerly: it runs inside its caller's
    transaction."""
    if not getattr(sender.request, "is_eager", False):
        close_old_connections()
