"""What the benchmark, the soak test and the fuzzer share: a scratch database on
the configured PostgreSQL server, seeded, with gunicorn and a Celery worker on it."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def fail(message: str) -> None:
    print(f"make bench: {message}", file=sys.stderr)
    sys.exit(2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def scratch_database(url: str):
    name = f"kassa_bench_{os.getpid()}"
    admin = _with_database(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(cmd, env, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, **kwargs)  # noqa: S603
    if result.returncode != 0:
        fail(f"{' '.join(map(str, cmd))} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - our own server
                return
        except OSError:
            time.sleep(0.2)
    fail(f"{url} did not answer within {timeout} s")


def require_postgres_and_redis(command: str) -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        fail(
            f"{command} needs PostgreSQL: set DATABASE_URL=postgres://... (SQLite has no row locks worth measuring)"
        )
    if not redis_url:
        fail(f"{command} needs Redis: set REDIS_URL=redis://...")
    return database_url, redis_url


def server_env(database_url: str, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "scratch-only-secret-key-" + uuid.uuid4().hex,
        "KASSA_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1",
        "DEFAULT_FROM_EMAIL": "bench@kassa.invalid",
        # Receipts are rendered and handed to a backend that drops them: the
        # console backend's copy of every email through Celery's log is a cost
        # no deployment pays.
        "EMAIL_URL": "dummymail://",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        # The buyers' tokens are minted once at seed time; a full run (the
        # growth seeding included) outlives a 15-minute token.
        "JWT_ACCESS_MINUTES": "240",
        **extra,
    }


# The running stack's process ids, for the bench's /proc readings.
PIDS: dict[str, int] = {}


@contextmanager
def running_kassa(database_url: str, redis_url: str, *, worker: bool = True):
    """Scratch database, migrated and seeded; gunicorn (2 sync workers) and a
    Celery worker on it. Yields (base URL, env, work dir, what was seeded)."""
    with ExitStack() as stack:
        scratch = stack.enter_context(scratch_database(database_url))
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        port = _free_port()
        broker = os.environ.get("CELERY_BROKER_URL", redis_url)
        # A queue of this run's own: tasks a run leaves unconsumed (receipts of a
        # scratch database since dropped) must not load the next run's worker.
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        stack.callback(_drop_queue, broker, queue)
        env = server_env(
            scratch,
            REDIS_URL=redis_url,
            CELERY_BROKER_URL=broker,
            CELERY_TASK_DEFAULT_QUEUE=queue,
        )
        print("migrating and seeding the scratch database ...", flush=True)
        _run([sys.executable, "manage.py", "migrate", "--noinput"], env)
        # Production settings serve hashed static files from a manifest, as the
        # Docker image does after its own collectstatic.
        _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        seeded = json.loads(
            _run([sys.executable, "-m", "bench.seed", "prepare", str(work)], env).stdout
        )
        processes = [start_gunicorn(port, env)]
        if worker:
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "config",
                        "worker",
                        "--concurrency",
                        "2",
                        "--loglevel",
                        "warning",
                        "--without-gossip",
                        "--without-mingle",
                    ],
                    cwd=ROOT,
                    env=env,
                )
            )
        stack.callback(_stop, processes)
        PIDS["web"] = processes[0].pid
        PIDS["worker"] = processes[1].pid if worker else 0
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/healthz")
        yield base, env, work, seeded


def _drop_queue(broker: str, queue: str) -> None:
    if broker.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(broker)
        # kombu keeps a queue's priorities under keys that start with its name.
        for key in client.scan_iter(match=f"{queue}*"):
            client.delete(key)


@contextmanager
def extra_gunicorn(env: dict, **settings):
    """Another gunicorn on the same database, with GUNICORN_* settings of its own
    (workers=1, threads=4, ...); yields its base URL."""
    port = _free_port()
    server = start_gunicorn(
        port, {**env, **{f"GUNICORN_{k.upper()}": str(v) for k, v in settings.items()}}
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/healthz")
        yield base
    finally:
        _stop([server])


def start_gunicorn(port: int, env: dict, **popen) -> subprocess.Popen:
    """gunicorn from gunicorn.conf.py, as production runs it (2 sync workers, one
    per core), on a free port and without access log lines."""
    env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": "",
        "GUNICORN_LOGLEVEL": "warning",
    }
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        **popen,
    )


def _stop(processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def check_invariants(env) -> dict:
    return json.loads(_run([sys.executable, "-m", "bench.seed", "check"], env).stdout)
