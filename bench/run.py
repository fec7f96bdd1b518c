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
  hot_merchant     the same over the 20 products of one merchant
  pgbench          the minimal purchase transaction in plain SQL, 16 clients
  flash_sale       5,000 units of one product (QUICK: 500), 64 clients, until sold
                   out: exactly that many sold, every other answer 409 (bench/flash_sale.py)
  card             order + pay with tok_visa through the real worker: order → PAID

and beside them: Python CPU per checkout measured in-process (bench/cpu.py), the
CPU split per checkout during `hot` read from /proc, `hot` with 1, 2 and 4 sync
workers and gthread, the web workers' RSS, `lock_hold`: how long `hot` and
`hot_merchant` hold the rows sales share (bench/lock_hold.py), and `growth`: hot
checkout, the catalog list, "my orders" and wallet history before and after
seeding a big database (bench/growth.py).

QUICK=1 runs each scenario for 3 seconds instead of 15 and seeds growth at 1/100
scale (CI's smoke test).
Results: a table on the terminal and bench/results/<time>.json.
"""

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.flash_sale import flash_sale
from bench.lock_hold import LockProbe
from bench.procstat import children, cpu_by_group, rss_mb
from bench.stack import (
    PIDS,
    ROOT,
    _run,
    check_invariants,
    extra_gunicorn,
    fail,
    require_postgres_and_redis,
    running_kassa,
)

BENCH = ROOT / "bench"
CLIENTS = 16
TARGETS = {
    "hot_vs_pgbench": 0.11,
    "hot_p99_ms": 150,
    "hot_p99_vs_p50": 1.5,
    "hot_vs_spread": 0.95,
    "hot_merchant_vs_spread": 0.95,
    "hot_stock_ceiling_vs_hot": 10,
    "python_cpu_ms_per_checkout": 7,
    "catalog_cached_vs_healthz": 0.60,
    "storefront_home_vs_healthz": 0.30,
    "growth_p50_change": 0.20,
    "growth_list_p99_ms": 50,
    "web_worker_rss_mb": 150,
}
LIST_CLIENTS = 2  # one per web worker (gunicorn.conf.py's default on 2 cores)
# The hot scenario again with these gunicorn settings (gunicorn.conf.py's env).
WORKER_SHAPES = {
    "sync x1": {"workers": 1, "threads": 1},
    "sync x2": {"workers": 2, "threads": 1},
    "sync x4": {"workers": 4, "threads": 1},
    "gthread 2x4": {"workers": 2, "threads": 4},
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(url: str, script: str, seconds: int, *args: str, clients: int = CLIENTS) -> dict:
    """Run wrk; returns req/s, latency percentiles (ms), errors and wrk's CPU share."""
    cpu_before, started = _children_cpu(), time.monotonic()
    cmd = [
        "wrk",
        "-t2",
        f"-c{clients}",
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
        f"{'scenario':<20}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}{'wrk CPU':>9}"
    ]
    for name, row in results.items():
        share = row.get("loadgen_cpu_share")
        lines.append(
            f"{name:<20}{row['rps']:>10}{row['p50_ms'] or '-':>10}{row['p95_ms'] or '-':>10}"
            f"{row['p99_ms'] or '-':>10}{row['errors']:>8}{(f'{share:.0%}' if share is not None else '-'):>9}"
        )
    lines.append("")
    for name, value in ratios.items():
        target = ""
        if name in TARGETS:
            target = f"  (target {'≤' if name == 'hot_p99_vs_p50' else '≥'} {TARGETS[name]})"
        lines.append(f"{name}: {value}{target}")
    return "\n".join(lines)


def _cpu_split(before: dict, after: dict, loadgen_seconds: float, requests: int) -> dict:
    """CPU milliseconds per request of each group during one scenario."""
    split = {group: after[group] - before[group] for group in after}
    split["load generator (wrk)"] = loadgen_seconds
    return {group: round(seconds * 1000 / max(requests, 1), 2) for group, seconds in split.items()}


def _scenario_with_cpu(url: str, script: str, seconds: int, *args: str) -> tuple[dict, dict]:
    before = cpu_by_group(web_master=PIDS["web"], worker_master=PIDS["worker"])
    loadgen_before = _children_cpu()
    result = wrk(url, script, seconds, *args)
    loadgen = _children_cpu() - loadgen_before
    after = cpu_by_group(web_master=PIDS["web"], worker_master=PIDS["worker"])
    return result, _cpu_split(before, after, loadgen, result["requests"])


def _python_cpu(env: dict, work: Path, checkouts: int) -> dict:
    """Python CPU per checkout, in-process (bench/cpu.py), on an idle machine."""
    return json.loads(
        _run([sys.executable, "-m", "bench.cpu", str(work), str(checkouts)], env).stdout
    )


def _lock_hold(env: dict, work: Path, seconds: int) -> dict:
    """`hot` and `hot_merchant` again under the lock probe, then one client
    in-process (bench/lock_hold.py)."""
    watched = json.loads((work / "watched.json").read_text())
    section = {}
    for scenario in ("hot", "hot_merchant"):
        with LockProbe(env["DATABASE_URL"], watched[scenario]) as probe:
            run = wrk(
                f"{env['BASE_URL']}/api/v1/orders",
                "checkout.lua",
                seconds,
                str(work / "tokens.txt"),
                str(work / f"{scenario}.txt"),
            )
        section[scenario] = {"rps": run["rps"], "errors": run["errors"], **probe.report(run["rps"])}
    section["one_client"] = json.loads(
        _run([sys.executable, "-m", "bench.lock_hold", str(work), "200"], env).stdout
    )
    return section


def _stock_ceiling(scenario: dict) -> float:
    """The lowest ceiling of the rows a sale of the product locks: its stock row
    and, spread for a flash sale, its buckets (their busiest one)."""
    ceilings = [
        scenario[group]["ceiling_rps"]
        for group in ("stock", "stock_bucket")
        if group in scenario and scenario[group]["ceiling_rps"]
    ]
    return min(ceilings, default=float("inf"))


def _server_shapes(env: dict, tokens: Path, hot: Path, seconds: int) -> dict:
    """The hot scenario against gunicorn with other worker counts and classes."""
    shapes = {}
    for label, settings in WORKER_SHAPES.items():
        with extra_gunicorn(env, **settings) as base:
            # Every worker imports and connects on its first requests: not measured.
            wrk(f"{base}/api/v1/orders", "checkout.lua", 1, str(tokens), str(hot))
            shapes[label] = wrk(
                f"{base}/api/v1/orders", "checkout.lua", seconds, str(tokens), str(hot)
            )
        shapes[label]["per_worker_rps"] = round(shapes[label]["rps"] / settings["workers"], 1)
    return shapes


def _lists(base: str, tokens: Path, hot: Path, seconds: int) -> dict:
    """The scenarios the growth scenario repeats on a big database. The list pages
    run with one client per web worker, so their latency is the page's own time
    and not the wait behind 15 other clients (which /healthz shows at 16)."""
    workers = LIST_CLIENTS
    return {
        "hot": wrk(f"{base}/api/v1/orders", "checkout.lua", seconds, str(tokens), str(hot)),
        "catalog_list": wrk(f"{base}/api/v1/products", "get.lua", seconds, "cold", clients=workers),
        "my_orders": wrk(
            f"{base}/api/v1/orders", "get_auth.lua", seconds, str(tokens), clients=workers
        ),
        "wallet_history": wrk(
            f"{base}/api/v1/wallet/transactions",
            "get_auth.lua",
            seconds,
            str(tokens),
            clients=workers,
        ),
    }


def _growth_verdict(small: dict, big: dict) -> dict:
    verdict = {}
    for name, row in big.items():
        drift = row["p50_ms"] / small[name]["p50_ms"] - 1
        verdict[name] = {
            "p50_small_ms": small[name]["p50_ms"],
            "p50_big_ms": row["p50_ms"],
            "p50_change": round(drift, 3),
            "p99_big_ms": row["p99_ms"],
            "within_20_percent": abs(drift) <= 0.20,
        }
        if name != "hot":
            verdict[name]["p99_within_50_ms"] = row["p99_ms"] <= 50
    return verdict


def main() -> None:
    database_url, redis_url = require_postgres_and_redis("make bench")
    for tool in ("wrk", "pgbench", "psql"):
        if not shutil.which(tool):
            fail(f"{tool} is not installed (apt-get install -y wrk postgresql-client)")
    quick = os.environ.get("QUICK") == "1"
    seconds = 3 if quick else 15
    card_orders = 10 if quick else 60
    checkouts = 200 if quick else 500
    growth_scale = 0.01 if quick else 1.0

    with running_kassa(database_url, redis_url) as (base, env, work, seeded):
        tokens, hot, spread = (work / f for f in ("tokens.txt", "hot.txt", "spread.txt"))
        token = tokens.read_text().split()[0]
        results, checks, extra = {}, {}, {}
        print(f"measuring Python CPU over {checkouts} in-process checkouts ...", flush=True)
        extra["python_cpu"] = _python_cpu(env, work, checkouts)
        print(f"running each scenario for {seconds} s ...", flush=True)
        results["healthz"] = wrk(f"{base}/healthz", "get.lua", seconds)
        results["catalog_cached"] = wrk(f"{base}/api/v1/products", "get.lua", seconds)
        results["catalog_cached_drf"] = wrk(
            f"{base}/api/v1/products?format=json", "get.lua", seconds
        )
        results["catalog_cold"] = wrk(f"{base}/api/v1/products", "get.lua", seconds, "cold")
        results["storefront_home"] = wrk(f"{base}/", "get.lua", seconds)
        results["hot"], extra["cpu_split_hot"] = _scenario_with_cpu(
            f"{base}/api/v1/orders", "checkout.lua", seconds, str(tokens), str(hot)
        )
        checks["hot"] = check_invariants(env)
        results["spread"] = wrk(
            f"{base}/api/v1/orders", "checkout.lua", seconds, str(tokens), str(spread)
        )
        checks["spread"] = check_invariants(env)
        results["hot_merchant"] = wrk(
            f"{base}/api/v1/orders",
            "checkout.lua",
            seconds,
            str(tokens),
            str(work / "hot_merchant.txt"),
        )
        checks["hot_merchant"] = check_invariants(env)
        print("lock_hold: hot and hot_merchant under the lock probe ...", flush=True)
        extra["lock_hold"] = _lock_hold({**env, "BASE_URL": base}, work, seconds)
        checks["lock_hold"] = check_invariants(env)
        units = 500 if quick else 5000
        print(f"flash sale: {units} units, 64 clients, until sold out ...", flush=True)
        extra["flash_sale"] = flash_sale(base, env, work, units)
        checks["flash_sale"] = {**check_invariants(env), "sale": extra["flash_sale"]}
        checks["flash_sale"]["ok"] = checks["flash_sale"]["ok"] and extra["flash_sale"]["ok"]
        results["card"] = card(base, token, hot.read_text().strip(), card_orders)
        checks["card"] = check_invariants(env)
        results["pgbench"] = pgbench(env["DATABASE_URL"], seconds)
        print("the hot scenario with other gunicorn shapes ...", flush=True)
        extra["server_shapes"] = _server_shapes(env, tokens, hot, seconds)
        extra["web_worker_rss_mb"] = [rss_mb(pid) for pid in children(PIDS["web"])]
        print(f"growth: lists on the small database, then seeding (scale {growth_scale}) ...")
        small = _lists(base, tokens, hot, seconds)
        extra["growth_seed"] = json.loads(
            # Its seeding scripts are several statements with parameters, which
            # server-side binding cannot send in one go.
            _run(
                [sys.executable, "-m", "bench.growth", str(growth_scale), str(work)],
                {**env, "DB_SERVER_SIDE_BINDING": "false"},
            ).stdout
        )
        big = _lists(base, tokens, hot, seconds)
        checks["growth"] = check_invariants(env)
        extra["growth"] = _growth_verdict(small, big)
        extra["growth_runs"] = {"small": small, "big": big}

    ratios = {
        "hot_vs_pgbench": round(results["hot"]["rps"] / results["pgbench"]["rps"], 3),
        "catalog_cached_vs_healthz": round(
            results["catalog_cached"]["rps"] / results["healthz"]["rps"], 3
        ),
        "catalog_cached_drf_vs_healthz": round(
            results["catalog_cached_drf"]["rps"] / results["healthz"]["rps"], 3
        ),
        "storefront_home_vs_healthz": round(
            results["storefront_home"]["rps"] / results["healthz"]["rps"], 3
        ),
        "spread_vs_hot": round(results["spread"]["rps"] / results["hot"]["rps"], 3),
        "hot_vs_spread": round(results["hot"]["rps"] / results["spread"]["rps"], 3),
        "hot_merchant_vs_spread": round(
            results["hot_merchant"]["rps"] / results["spread"]["rps"], 3
        ),
        "hot_p99_vs_p50": round(results["hot"]["p99_ms"] / results["hot"]["p50_ms"], 2),
        "hot_stock_ceiling_vs_hot": round(
            _stock_ceiling(extra["lock_hold"]["hot"]) / extra["lock_hold"]["hot"]["rps"], 1
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
        **extra,
    }
    out = BENCH / "results" / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(_table(results, ratios))
    print(_details(extra))
    for name, check in checks.items():
        print(f"invariants after {name}: {'ok' if check['ok'] else 'VIOLATED'} {check}")
    print(f"\nsaved {out.relative_to(ROOT)}")

    errors = sum(row["errors"] for row in results.values())
    errors += sum(row["errors"] for row in extra["server_shapes"].values())
    errors += sum(row["errors"] for run in extra["growth_runs"].values() for row in run.values())
    errors += extra["python_cpu"]["errors"]
    errors += sum(extra["lock_hold"][name]["errors"] for name in ("hot", "hot_merchant"))
    held = all(check["ok"] for check in checks.values())
    if errors or not held:
        fail(f"{errors} errors; invariants {'held' if held else 'VIOLATED'}")


def _details(extra: dict) -> str:
    cpu = extra["python_cpu"]
    lines = [
        "",
        f"Python CPU per checkout (in-process, {cpu['checkouts']} checkouts): "
        f"{cpu['cpu_ms_per_checkout']} ms (wall {cpu['wall_ms_per_checkout']} ms)",
        "",
        "CPU ms per checkout during hot (from /proc):",
    ]
    lines += [f"  {group:<22}{ms:>8}" for group, ms in extra["cpu_split_hot"].items()]
    lines += ["", f"{'gunicorn shape':<22}{'req/s':>8}{'per worker':>12}{'p99 ms':>9}"]
    for shape, row in extra["server_shapes"].items():
        lines.append(f"  {shape:<20}{row['rps']:>8}{row['per_worker_rps']:>12}{row['p99_ms']:>9}")
    lines += _lock_hold_lines(extra["lock_hold"])
    sale = extra["flash_sale"]
    lines += [
        "",
        f"flash sale: {sale['sold']} of {sale['units']} sold to {sale['clients']} clients in "
        f"{sale['seconds']} s ({sale['sales_per_second']}/s), refused {sale['refused']}, "
        f"stock {sale['stock']['available']} left, movements add up: "
        f"{sale['stock']['movements_add_up']}",
    ]
    lines += ["", f"web worker RSS after the bench (MB): {extra['web_worker_rss_mb']}", ""]
    lines.append(f"growth seed: {extra['growth_seed']}")
    lines.append(f"{'growth':<16}{'p50 small':>10}{'p50 big':>10}{'change':>9}{'p99 big':>9}")
    for name, row in extra["growth"].items():
        lines.append(
            f"  {name:<14}{row['p50_small_ms']:>10}{row['p50_big_ms']:>10}"
            f"{row['p50_change']:>9.0%}{row['p99_big_ms']:>9}"
        )
    return "\n".join(lines)


def _lock_hold_lines(section: dict) -> list[str]:
    lines = [
        "",
        "lock_hold (busiest row of each group under load; ceiling = sales/s at 100 % locked):",
        f"  {'scenario':<14}{'row':<18}{'rows':>5}{'locked':>8}{'hold ms':>9}{'ceiling':>9}",
    ]
    for scenario in ("hot", "hot_merchant"):
        for group in ("stock", "stock_bucket", "merchant_wallet", "clearing_shard"):
            row = section[scenario].get(group)
            if row:
                lines.append(
                    f"  {scenario:<14}{group:<18}{row['rows']:>5}{row['locked_share']:>8.1%}"
                    f"{row['hold_ms_per_checkout']:>9}{row['ceiling_rps'] or '-':>9}"
                )
    one = section["one_client"]
    lines.append(
        f"  one client in-process: {one['statements_per_checkout']} statements per checkout"
    )
    for group in ("stock", "stock_bucket", "clearing_shard"):
        if group in one:
            lines.append(
                f"    {group:<16} locked for the last {one[group]['statements_to_commit']} "
                f"statements, {one[group]['ms_to_commit']} ms before its COMMIT "
                f"({one[group]['checkouts_locking_it']} of {one['checkouts']} checkouts)"
            )
    return lines


if __name__ == "__main__":
    main()
