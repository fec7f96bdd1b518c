"""The flash sale: UNITS units of one product, 64 clients buying one unit each
from their wallets until it is sold out (`make bench`'s flash_sale section, or
`python -m bench.flash_sale` on its own).

Passes when exactly UNITS checkouts succeeded, every other answer was 409
insufficient_stock, nothing is oversold and the product's stock movements add
up to its stock; the caller checks the ledger and the orders (bench.seed check).
"""

import http.client
import json
import os
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from bench.stack import _run

CLIENTS = 64
# Once sold out, each client confirms it with this many refusals, then stops.
REFUSALS_PER_CLIENT = 3


def _client(base: str, token: str, product: str, outcomes: Counter, lock, sold_out) -> None:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    body = json.dumps(
        {"items": [{"product_id": product, "quantity": 1}], "payment_method": "WALLET"}
    )
    refusals = 0
    try:
        while refusals < REFUSALS_PER_CLIENT:
            conn.request(
                "POST",
                "/api/v1/orders",
                body,
                {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )
            response = conn.getresponse()
            answer = response.read()
            if response.status == 201:
                outcome = "201"
            else:
                code = json.loads(answer or b"{}").get("code", "")
                outcome = f"{response.status} {code}"
                if outcome == "409 insufficient_stock":
                    sold_out.set()
            if sold_out.is_set() and outcome != "201":
                refusals += 1
            with lock:
                outcomes[outcome] += 1
    finally:
        conn.close()


def flash_sale(base: str, env: dict, work: Path, units: int) -> dict:
    product = json.loads(
        _run([sys.executable, "-m", "bench.seed", "flash", str(units)], env).stdout
    )["product"]
    tokens = (work / "tokens.txt").read_text().split()
    outcomes: Counter = Counter()
    lock, sold_out = threading.Lock(), threading.Event()
    clients = [
        threading.Thread(
            target=_client,
            args=(base, tokens[i % len(tokens)], product, outcomes, lock, sold_out),
        )
        for i in range(CLIENTS)
    ]
    started = time.monotonic()
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    seconds = time.monotonic() - started
    stock = json.loads(_run([sys.executable, "-m", "bench.seed", "movements", product], env).stdout)
    others = {outcome: n for outcome, n in outcomes.items() if outcome != "201"}
    ok = (
        outcomes["201"] == units
        and set(others) <= {"409 insufficient_stock"}
        and stock["available"] == 0
        and stock["sold"] == units
        and stock["movements_add_up"]
    )
    return {
        "units": units,
        "clients": CLIENTS,
        "sold": outcomes["201"],
        "refused": others,
        "seconds": round(seconds, 1),
        "sales_per_second": round(outcomes["201"] / seconds, 1),
        "stock": stock,
        "ok": ok,
    }


if __name__ == "__main__":
    from bench.stack import check_invariants, require_postgres_and_redis, running_kassa

    database_url, redis_url = require_postgres_and_redis("bench.flash_sale")
    with running_kassa(database_url, redis_url) as (base, env, work, _):
        result = flash_sale(base, env, work, int(os.environ.get("FLASH_UNITS", "5000")))
        result["invariants"] = check_invariants(env)
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["ok"] and result["invariants"]["ok"] else 1)
