"""`make bench`: Kassa's checkout and catalog against PostgreSQL's own ceiling.

In one run, on a scratch database of the PostgreSQL server in DATABASE_URL:
migrate, seed funded buyers with ready JWTs, start gunicorn (2 sync workers,
persistent connections) and a Celery worker, then measure with wrk:

  healthz          GET /healthz: the framework's ceiling on this machine
  catalog_cached   GET /api/v1/products, served from Redis
  catalog_cold     the same with a unique parameter per request: every read misses
  storefront_home  GET / anonymously: the storefront's catalog page, its data cached
  hot              16 clients buying one unit of the same product from the wallet
  spread           the same over 1,000 products of 50 merchants
  pgbench          the minimal purchase transaction in plain SQL, 16 clients
  card             order + pay with tok_visa through the real worker: order → PAID

QUICK=1 runs each scenario for 3 seconds instead of 15 (CI's smoke test).
Results: a table on the terminal and bench/results/<time>.json.
"""

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.stack import (
    ROOT,
    _run,
    check_invariants,
    fail,
    require_postgres_and_redis,
    running_kassa,
)

BENCH = ROOT / "bench"
CLIENTS = 16
TARGETS = {
    "hot_vs_pgbench": 0.45,
    "catalog_vs_healthz": 0.40,
    "storefront_home_vs_healthz": 0.30,
    "hot_p99_ms": 100,
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(url: str, script: str, seconds: int, *args: str) -> dict:
    """Run wrk; returns req/s, latency percentiles (ms), errors and wrk's CPU share."""
    cpu_before, started = _children_cpu(), time.monotonic()
    cmd = [
        "wrk",
        "-t2",
        f"-c{CLIENTS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / script),
        url,
    ]
    if args:
        cmd += ["--", *args]
    out = subprocess.run(  # noqa: S603
        cmd, capture_output=True, text=True, env={**os.environ, "BENCH_DIR": str(BENCH)}
    )
    wall = time.monotonic() - started
    cpu = _children_cpu() - cpu_before
    match = re.search(r"BENCH_JSON (\{.*\})", out.stdout)
    if not match:
        fail(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(match.group(1))
    return {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "requests": raw["requests"],
        "errors": raw["errors"],
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "loadgen_cpu_share": round(cpu / (wall * os.cpu_count()), 3),
    }


def pgbench(database_url: str, seconds: int) -> dict:
    _run(
        [
            "psql",
            database_url,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            str(BENCH / "pgbench_schema.sql"),
        ],
        os.environ,
    )
    with tempfile.TemporaryDirectory() as logs:
        cmd = [
            "pgbench",
            "-n",
            f"-c{CLIENTS}",
            "-j2",
            f"-T{seconds}",
            "-f",
            str(BENCH / "pgbench_purchase.sql"),
            "-l",
            "--log-prefix",
            f"{logs}/tx",
            database_url,
        ]
        result = _run(cmd, os.environ)
        latencies = sorted(
            int(line.split()[2]) / 1000
            for log in Path(logs).glob("tx*")
            for line in log.read_text().splitlines()
        )
    tps = float(re.search(r"tps = ([\d.]+)", result.stdout).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    return {
        "rps": round(tps, 1),
        "requests": len(latencies),
        "errors": int(failed.group(1)) if failed else 0,
        **_percentiles(latencies),
        "loadgen_cpu_share": None,
    }


def _percentiles(values_ms: list[float]) -> dict:
    if not values_ms:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    cuts = statistics.quantiles(values_ms, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
    }


def _api(base: str, method: str, path: str, token: str, body=None, key=None) -> dict:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def card(base: str, token: str, product: str, orders: int) -> dict:
    """Order then pay with tok_visa; time until the worker has the order PAID."""
    timings, errors, started = [], 0, time.monotonic()
    for _ in range(orders):
        begin = time.monotonic()
        try:
            order = _api(
                base,
                "POST",
                "/api/v1/orders",
                token,
                {"items": [{"product_id": product, "quantity": 1}], "payment_method": "CARD"},
                key=str(uuid.uuid4()),
            )
            _api(
                base,
                "POST",
                f"/api/v1/orders/{order['id']}/pay",
                token,
                {"card_token": "tok_visa"},
                key=str(uuid.uuid4()),
            )
            while _api(base, "GET", f"/api/v1/orders/{order['id']}", token)["status"] != "PAID":
                if time.monotonic() - begin > 30:
                    raise TimeoutError(order["id"])
                time.sleep(0.005)
        except (OSError, TimeoutError):
            errors += 1
            continue
        timings.append((time.monotonic() - begin) * 1000)
    return {
        "rps": round(len(timings) / (time.monotonic() - started), 1),
        "requests": orders,
        "errors": errors,
        **_percentiles(timings),
        "loadgen_cpu_share": None,
    }


def _table(results: dict, ratios: dict) -> str:
    lines = [
        f"{'scenario':<16}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}{'wrk CPU':>9}"
    ]
    for name, row in results.items():
        share = row.get("loadgen_cpu_share")
        lines.append(
            f"{name:<16}{row['rps']:>10}{row['p50_ms'] or '-':>10}{row['p95_ms'] or '-':>10}"
            f"{row['p99_ms'] or '-':>10}{row['errors']:>8}{(f'{share:.0%}' if share is not None else '-'):>9}"
        )
    lines.append("")
    for name, value in ratios.items():
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def main() -> None:
    database_url, redis_url = require_postgres_and_redis("make bench")
    for tool in ("wrk", "pgbench", "psql"):
        if not shutil.which(tool):
            fail(f"{tool} is not installed (apt-get install -y wrk postgresql-client)")
    seconds = 3 if os.environ.get("QUICK") == "1" else 15
    card_orders = 10 if os.environ.get("QUICK") == "1" else 60

    with running_kassa(database_url, redis_url) as (base, env, work, seeded):
        tokens, hot, spread = (work / f for f in ("tokens.txt", "hot.txt", "spread.txt"))
        token = tokens.read_text().split()[0]
        results, checks = {}, {}
        print(f"running each scenario for {seconds} s ...", flush=True)
        results["healthz"] = wrk(f"{base}/healthz", "get.lua", seconds)
        results["catalog_cached"] = wrk(f"{base}/api/v1/products", "get.lua", seconds)
        results["catalog_cold"] = wrk(f"{base}/api/v1/products", "get.lua", seconds, "cold")
        results["storefront_home"] = wrk(f"{base}/", "get.lua", seconds)
        results["hot"] = wrk(
            f"{base}/api/v1/orders", "checkout.lua", seconds, str(tokens), str(hot)
        )
        checks["hot"] = check_invariants(env)
        results["spread"] = wrk(
            f"{base}/api/v1/orders", "checkout.lua", seconds, str(tokens), str(spread)
        )
        checks["spread"] = check_invariants(env)
        results["card"] = card(base, token, hot.read_text().strip(), card_orders)
        checks["card"] = check_invariants(env)
        results["pgbench"] = pgbench(env["DATABASE_URL"], seconds)

    ratios = {
        "hot_vs_pgbench": round(results["hot"]["rps"] / results["pgbench"]["rps"], 3),
        "catalog_cached_vs_healthz": round(
            results["catalog_cached"]["rps"] / results["healthz"]["rps"], 3
        ),
        "storefront_home_vs_healthz": round(
            results["storefront_home"]["rps"] / results["healthz"]["rps"], 3
        ),
    }
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname())},
        "seconds_per_scenario": seconds,
        "clients": CLIENTS,
        "seeded": seeded,
        "scenarios": results,
        "ratios": ratios,
        "targets": TARGETS,
        "invariants": checks,
    }
    out = BENCH / "results" / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(_table(results, ratios))
    for name, check in checks.items():
        print(f"invariants after {name}: {'ok' if check['ok'] else 'VIOLATED'} {check}")
    print(f"\nsaved {out.relative_to(ROOT)}")

    errors = sum(row["errors"] for row in results.values())
    held = all(check["ok"] for check in checks.values())
    if errors or not held:
        fail(f"{errors} errors; invariants {'held' if held else 'VIOLATED'}")


if __name__ == "__main__":
    main()
