import os
import subprocess
import sys
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


def test_production_settings_pass_the_deploy_checklist():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x7#kP2-long-random-production-secret-value-9Qz!mW4vR8tL1nB6yH3",
        DJANGO_ALLOWED_HOSTS="kassa.example.com",
        KASSA_ENCRYPTION_KEY=PRODUCTION_KEY,
    )

    assert result.returncode == 0, result.stderr


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
