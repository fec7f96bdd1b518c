"""`make fuzz`: schemathesis against the OpenAPI spec of a live server.

A throwaway database (a scratch PostgreSQL database when DATABASE_URL is
PostgreSQL, else a temporary SQLite file) is migrated and seeded with the demo
data; gunicorn serves it; schemathesis then sends generated requests to every
operation, once authenticated as the demo customer and once as the demo
merchant, and fails on any 5xx or any response that does not match the spec.
FUZZ_EXAMPLES sets the examples per operation (default 30).
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from accounts.tests.totp import totp  # noqa: E402
from bench.stack import (  # noqa: E402
    _free_port,
    _run,
    _wait_for,
    scratch_database,
    server_env,
    start_gunicorn,
)

CHECKS = "not_a_server_error,response_schema_conformance"


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - our own server
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def _login(base: str, email: str, password: str, secrets: dict[str, str]) -> str:
    """A token pair's access token; an account with two-factor sign-in (the demo
    merchant) completes the second step with a code from the key seed_demo printed."""
    status, body = _post(f"{base}/api/v1/auth/login", {"email": email, "password": password})
    if status == 401 and body.get("code") == "otp_required":
        status, body = _post(
            f"{base}/api/v1/auth/login/otp",
            {"challenge": body["challenge"], "code": totp(secrets[email])},
        )
    if status != 200:
        raise SystemExit(f"make fuzz: cannot log in as {email}: {status} {body}")
    return body["access"]


def main() -> int:
    examples = os.environ.get("FUZZ_EXAMPLES", "30")
    with ExitStack() as stack:
        work = stack.enter_context(tempfile.TemporaryDirectory())
        database_url = os.environ.get("DATABASE_URL", "")
        if database_url.startswith(("postgres://", "postgresql://")):
            database_url = stack.enter_context(scratch_database(database_url))
        else:
            database_url = f"sqlite:///{work}/fuzz.sqlite3"
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        # Its own broker: generated payments must not reach anyone's worker.
        env = server_env(
            database_url, CELERY_BROKER_URL="filesystem://", AUTH_THROTTLE_RATE="100000/min"
        )
        env.pop("REDIS_URL", None)  # the fuzzed server uses its own in-process cache
        _run([sys.executable, "manage.py", "migrate", "--noinput"], env)
        seeded = _run([sys.executable, "manage.py", "seed_demo"], env).stdout
        secrets = dict(re.findall(r"two-factor secret (\S+): ([A-Z2-7]+)", seeded))
        server_log = stack.enter_context(open(Path(work) / "server.log", "w"))  # noqa: SIM115
        server = start_gunicorn(port, env, stdout=server_log, stderr=subprocess.STDOUT)
        stack.callback(server.wait, 20)
        stack.callback(server.terminate)
        _wait_for(f"{base}/healthz")

        failed = False
        for email, password in [
            ("customer@example.com", "customer123"),
            ("merchant@example.com", "merchant123"),
        ]:
            token = _login(base, email, password, secrets)
            print(f"\n=== schemathesis as {email} ===", flush=True)
            result = subprocess.run(  # noqa: S603
                [
                    str(Path(sys.executable).parent / "schemathesis"),
                    "run",
                    f"{base}/api/v1/schema/",
                    "--header",
                    f"Authorization: Bearer {token}",
                    "--max-examples",
                    examples,
                    "--seed",
                    "1",
                    "--checks",
                    CHECKS,
                    "--request-timeout",
                    "30",
                    # One worker: Hypothesis describes its generators with ast.parse,
                    # which CPython 3.11 cannot run from two threads at once
                    # ("AST constructor recursion depth mismatch", seen here).
                    "--workers",
                    "1",
                ],
                cwd=ROOT,
            )
            failed |= result.returncode != 0
        if failed:
            errors = [
                line
                for line in (Path(work) / "server.log").read_text().splitlines()
                if "error" in line.lower() or "traceback" in line.lower()
            ]
            print("\n".join(line[:4000] for line in errors[-20:]))
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
