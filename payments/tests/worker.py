"""A real Celery worker process for end-to-end tests, on the test database."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("E2E_BROKER_URL", "redis://127.0.0.1:6379/14")
# The real-worker tests run against both brokers: Redis (the embedded-free
# default) and RabbitMQ (production's, docker-compose).
RABBITMQ = os.environ.get("E2E_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
BROKERS = [BROKER, RABBITMQ]


def broker_reachable(url: str) -> bool:
    host, port = ("127.0.0.1", 5672) if url.startswith("amqp") else ("127.0.0.1", 6379)
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def current_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(queue: str, *, broker: str = BROKER, **settings) -> subprocess.Popen:
    """A solo-pool worker consuming only `queue`, with extra settings from the env."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": current_database_url(),
        "CELERY_BROKER_URL": broker,
        **settings,
    }
    return subprocess.Popen(  # noqa: S603 - our own worker, fixed argv
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            # A name of its own: RabbitMQ gives each worker name one exclusive
            # control queue, and tests in parallel start workers at once.
            f"--hostname=kassa-{uuid.uuid4().hex[:8]}@%h",
            "--loglevel=info",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop_worker(worker: subprocess.Popen) -> str:
    """Stop it (if still running) and return its output."""
    if worker.poll() is None:
        worker.terminate()
    try:
        output, _ = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    return (output or b"").decode(errors="replace")


def wait_until(condition, *, what: str, timeout: float = 60) -> None:
    """Poll condition() every 0.1 s until it holds; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
