import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_schema_is_valid_and_warning_free(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yml")

    assert "/api/v1/auth/login" in (tmp_path / "s.yml").read_text()


def _manage(*args, **env):
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(  # noqa: S603 - fixed argv, our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION_KEY = "pWPJ8ff4-9e-dsLMLDZkjwHf2FVtLZnxYk8hX8pvz4E="
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x7#kP2-long-random-production-secret-value-9Qz!mW4vR8tL1nB6yH3",
    "DJANGO_ALLOWED_HOSTS": "kassa.example.com",
    "KASSA_ENCRYPTION_KEY": PRODUCTION_KEY,
    "SITE_URL": "https://kassa.example.com",
    "DEFAULT_FROM_EMAIL": "Kassa <orders@kassa.example.com>",
}


def _python(code: str, unset=(), **env):
    """`python -c code` in the project, with none of this process's DJANGO_* variables
    (nor those in `unset`)."""
    clean_env = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in unset
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_the_deploy_checklist():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        **PRODUCTION_ENV,
    )

    assert result.returncode == 0, result.stderr


def test_the_wsgi_application_runs_production_settings_unless_told_otherwise():
    """What `gunicorn config.wsgi` loads on a host where nobody set
    DJANGO_SETTINGS_MODULE: production, which refuses to start without its secrets."""
    code = "import config.wsgi; from django.conf import settings as s; print(s.SETTINGS_MODULE, s.DEBUG)"

    bare = _python(code)
    configured = _python(code, **PRODUCTION_ENV)

    assert bare.returncode != 0 and "DJANGO_SECRET_KEY" in bare.stderr
    assert configured.stdout.split() == ["config.settings.production", "False"], configured.stderr


def test_the_celery_app_runs_production_settings_unless_told_otherwise_and_manage_py_local():
    celery = _python(
        "from config.celery import app; from django.conf import settings as s; "
        "app.conf.broker_url; print(s.SETTINGS_MODULE)",
        **PRODUCTION_ENV,
    )
    manage = _manage(
        "shell", "-c", "from django.conf import settings as s; print(s.SETTINGS_MODULE)"
    )

    assert celery.stdout.strip() == "config.settings.production", celery.stderr
    assert manage.stdout.splitlines()[-1] == "config.settings.local", manage.stderr


@pytest.mark.parametrize("missing", ["SITE_URL", "DEFAULT_FROM_EMAIL"])
def test_production_refuses_to_start_without_its_address_or_its_sender(missing):
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != missing}

    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", **env)

    assert result.returncode != 0
    assert missing in result.stderr


def test_make_runs_links_in_emails_name_the_address_it_serves():
    served = re.search(r"runserver (\S+)", (ROOT / "Makefile").read_text()).group(1)

    site_url = _manage("shell", "-c", "from django.conf import settings as s; print(s.SITE_URL)")

    assert site_url.stdout.splitlines()[-1] == f"http://{served}", site_url.stderr


def test_each_xdist_worker_gets_an_sqlite_test_database_of_its_own():
    """pytest-django names a worker's database after the engine's; make test on a
    fresh clone (no DATABASE_URL) failed with "unable to open database file"."""
    result = _python(
        "import django; django.setup(); from django.conf import settings; "
        "from pytest_django.fixtures import _set_suffix_to_test_databases; "
        "_set_suffix_to_test_databases('gw0'); print(settings.DATABASES['default']['TEST']['NAME'])",
        unset=("DATABASE_URL",),
        DJANGO_SETTINGS_MODULE="config.settings.test",
    )

    assert result.stdout.strip() == ":memory:", result.stderr


def _gunicorn(port: int, app_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
    return subprocess.Popen(  # noqa: S603 - our own gunicorn and config
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "hello:app"],
        cwd=app_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_two_gunicorns_on_one_host_keep_their_own_control_sockets(tmp_path):
    from bench.stack import _free_port

    (tmp_path / "hello.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [])\n"
        "    return [b'hello']\n"
    )
    first_port, second_port = _free_port(), _free_port()
    sockets = [
        ROOT / "var" / f"gunicorn-127-0-0-1-{port}.ctl" for port in (first_port, second_port)
    ]
    first, second = _gunicorn(first_port, tmp_path), _gunicorn(second_port, tmp_path)
    try:
        deadline = time.monotonic() + 20
        while not all(path.exists() for path in sockets) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(path.exists() for path in sockets)
        first.terminate()
        first.wait(timeout=20)

        assert not sockets[0].exists()
        assert sockets[1].exists()  # the instance still running keeps its socket
    finally:
        for process in (first, second):
            process.kill()
            process.wait(timeout=10)


@pytest.mark.parametrize("secret", ["", None])
def test_production_settings_refuse_to_start_without_a_secret_key(secret):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    if secret is not None:
        env["DJANGO_SECRET_KEY"] = secret

    result = _manage("check", **env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_an_encryption_key():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x7#kP2-long-random-production-secret-value-9Qz!mW4vR8tL1nB6yH3",
    )

    assert result.returncode != 0
    assert "KASSA_ENCRYPTION_KEY" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_run_often_on_a_connection_is_prepared_by_postgresql():
    from django.db import connection

    from accounts.models import User

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    before = prepared()
    for _ in range(6):
        User.objects.filter(email="nobody@example.com").exists()

    assert prepared() > before
