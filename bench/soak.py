"""`make soak`: a steady mixed load for SOAK_MINUTES (default 10), then the books.

Locust (headless) drives SOAK_USERS users (default 20), each doing about one
thing a second: browsing, card deposits, wallet and card checkouts (some cards
flaky or declined), and refunds. Against gunicorn + a Celery worker +
PostgreSQL + Redis on a scratch database. Afterwards it waits for every
payment to settle and checks verify_ledger, stock against orders and payments
against orders; it prints requests, errors by status and the invariants, and
exits non-zero on any violation.
"""

import csv
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

from bench.stack import ROOT, check_invariants, fail, require_postgres_and_redis, running_kassa


def _settle(env, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        checks = check_invariants(env)
        if checks["payments_unsettled"] == 0 or time.monotonic() > deadline:
            return checks
        time.sleep(2)


def main() -> None:
    database_url, redis_url = require_postgres_and_redis("make soak")
    minutes = float(os.environ.get("SOAK_MINUTES", "10"))
    users = int(os.environ.get("SOAK_USERS", "20"))
    with running_kassa(database_url, redis_url) as (base, env, work, _seeded):
        print(f"soaking {users} users for {minutes:g} min ...", flush=True)
        locust = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{int(minutes * 60)}s",
                "--host",
                base,
                "--csv",
                str(work / "soak"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "SOAK_WORK": str(work)},
            capture_output=True,
            text=True,
        )
        with open(work / "soak_stats.csv") as stats_file:
            stats = list(csv.DictReader(stats_file))
        with open(work / "soak_failures.csv") as failures_file:
            failures = list(csv.DictReader(failures_file))
        checks = _settle(env)

    total = next(row for row in stats if row["Name"] == "Aggregated")
    by_status = Counter()
    for row in failures:
        status = row["Error"].split()[0] if row["Error"] else "?"
        by_status[f"{row['Name']}: {status}"] += int(row["Occurrences"])
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "minutes": minutes,
        "users": users,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": total["50%"],
        "p99_ms": total["99%"],
        "errors_by_status": dict(by_status),
        "per_request": {
            row["Name"]: {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
            }
            for row in stats
            if row["Name"] != "Aggregated"
        },
        "invariants": checks,
    }
    out = ROOT / "bench" / "results" / f"soak-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"saved {out.relative_to(ROOT)}")
    if locust.returncode not in (0, 1):  # 1 means some requests failed: reported above
        fail(f"locust failed:\n{locust.stderr[-3000:]}")
    if not checks["ok"]:
        fail("invariants VIOLATED")


if __name__ == "__main__":
    main()
