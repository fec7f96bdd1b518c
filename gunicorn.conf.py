"""gunicorn's settings: the one file the Dockerfile, docker-compose and make bench
use. Each comes from the environment, with the defaults measured on 2 cores
(2 sync workers beat more workers or threads there: docs/performance.md)."""

import gc
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# The folder settings would choose (config/settings/base.py): the master never
# imports Django, yet child_exit must find the same files.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(ROOT / "var" / "prometheus"))

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# "-": access log lines on stdout; empty: none (the bench measures without).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# gunicornc's socket, one per instance (by its address): gunicorn's default,
# $HOME/.gunicorn/gunicorn.ctl, is shared by every instance of a host, and the
# first to exit removes it from under the others. Empty: no control socket.
control_socket = os.environ.get(
    "GUNICORN_CONTROL_SOCKET",
    str(ROOT / "var" / f"gunicorn-{re.sub(r'[^A-Za-z0-9]+', '-', bind).strip('-')}.ctl"),
)
control_socket_disable = not control_socket


def child_exit(server, worker):
    """A gunicorn worker's live gauges leave /metrics with it; counters stay."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Once the worker has loaded Django: move everything loaded so far out of the
    garbage collector's sight, so its full collections walk only what requests
    allocate (GUNICORN_GC_FREEZE=0 to compare; docs/performance.md)."""
    if os.environ.get("GUNICORN_GC_FREEZE", "1") == "1":
        gc.collect()
        gc.freeze()
