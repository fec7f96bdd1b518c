"""`make bench`'s lock_hold section: how long the rows that sales share are locked.

Under load (`LockProbe`, beside wrk): a thread asks PostgreSQL every 2 ms which
of the watched rows are locked — `SELECT … FOR SHARE SKIP LOCKED` in a
transaction rolled back at once; a row missing from the answer is held by a
writer. For each row (for a group, its busiest row):
  locked share   samples that found it locked ÷ samples
  hold ms        share ÷ the checkouts per second that lock it
  ceiling        throughput ÷ share: the sales per second at which that row is
                 locked all the time, however many cores serve them.

In-process at one client (`python -m bench.lock_hold WORK N`): N wallet
checkouts through the WSGI application with every statement timed; for each
contended lock, the statements from the one that takes it to the COMMIT (both
included) and the milliseconds in between.
"""

import json
import re
import statistics
import sys
import threading
import time
from pathlib import Path

import django
import psycopg

PROBE_INTERVAL = 0.002


def _watched_rows(database_url: str, scenario: dict) -> dict:
    """{group: (table, primary key column, [keys])}; the clearing shards as they
    exist once checkouts have run."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        shards = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM wallets_wallet WHERE system_name = 'merchant_clearing'"
                " AND currency = 'USD' ORDER BY shard"
            )
        ]
        buckets = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM catalog_stockbucket WHERE product_id = ANY(%s::uuid[])",
                [scenario["stock"]],
            )
        ]
    return {
        "stock": ("catalog_stock", "product_id", scenario["stock"]),
        "stock_bucket": ("catalog_stockbucket", "id", buckets),
        "merchant_wallet": ("wallets_wallet", "id", [scenario["merchant_wallet"]]),
        "clearing_shard": ("wallets_wallet", "id", shards),
    }


class LockProbe:
    def __init__(self, database_url: str, scenario: dict):
        self.rows = _watched_rows(database_url, scenario)
        self.conn = psycopg.connect(database_url)
        self.locked = {
            group: dict.fromkeys(map(str, keys), 0) for group, (_, _, keys) in self.rows.items()
        }
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.conn.close()

    def _run(self):
        while not self._stop.is_set():
            for group, (table, column, keys) in self.rows.items():
                free = {
                    str(row[0])
                    for row in self.conn.execute(
                        f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)"  # noqa: S608
                        " FOR SHARE SKIP LOCKED",
                        [keys],
                    )
                }
                for key in self.locked[group]:
                    if key not in free:
                        self.locked[group][key] += 1
            self.conn.rollback()
            self.samples += 1
            time.sleep(PROBE_INTERVAL)

    def report(self, rps: float) -> dict:
        """Per group: the busiest row's share, its hold per checkout that locks it
        (checkouts spread evenly over the group's rows) and the ceiling."""
        report = {"samples": self.samples}
        for group, counts in self.locked.items():
            if not counts:
                continue
            share = max(counts.values()) / max(self.samples, 1)
            per_row_rps = rps / len(counts)
            report[group] = {
                "rows": len(counts),
                "locked_share": round(share, 4),
                "hold_ms_per_checkout": round(share / per_row_rps * 1000, 2) if share else 0.0,
                "ceiling_rps": round(rps / share) if share else None,
            }
        return report


ROW_LOCK = re.compile(r"FOR (NO KEY )?UPDATE")


def _is_lock(sql: str, table: str) -> bool:
    """The statement locks a row of `table`: a SELECT … FOR [NO KEY] UPDATE of it
    (the first table of the FROM), or an UPDATE of it (on its own or in a WITH)."""
    if f'UPDATE "{table}"' in sql:
        return True
    return bool(ROW_LOCK.search(sql)) and f'FROM "{table}"' in sql


CONTENDED = {
    "stock": "catalog_stock",
    "stock_bucket": "catalog_stockbucket",
    "clearing_shard": "wallets_wallet",
}


def in_process(work: Path, checkouts: int) -> dict:
    from django.db import connection

    from bench.cpu import warmed_up

    _, _, checkout = warmed_up(work)
    marks: list = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            marks.append((sql, started))

    connection.ensure_connection()
    commit = connection._commit

    def timed_commit():
        commit()
        marks.append(("COMMIT", time.perf_counter()))

    connection._commit = timed_commit
    per_lock = {name: {"statements": [], "ms": []} for name in CONTENDED}
    statements_per_checkout = []
    try:
        with connection.execute_wrapper(timed):
            for _ in range(checkouts):
                marks.clear()
                assert checkout() == 201
                statements_per_checkout.append(sum(sql != "COMMIT" for sql, _ in marks))
                for name, table in CONTENDED.items():
                    # A flash sale's checkout locks a bucket, or (spreading) its stock row.
                    first = next(
                        (i for i, (sql, _) in enumerate(marks) if _is_lock(sql, table)), None
                    )
                    if first is None:
                        continue
                    commit_at = next(
                        i for i, (sql, _) in enumerate(marks) if i > first and sql == "COMMIT"
                    )
                    per_lock[name]["statements"].append(commit_at - first + 1)
                    per_lock[name]["ms"].append((marks[commit_at][1] - marks[first][1]) * 1000)
    finally:
        connection._commit = commit
    return {
        "checkouts": checkouts,
        "statements_per_checkout": statistics.median(statements_per_checkout),
        **{
            name: {
                "checkouts_locking_it": len(values["ms"]),
                "statements_to_commit": statistics.median(values["statements"]),
                "ms_to_commit": round(statistics.median(values["ms"]), 3),
            }
            for name, values in per_lock.items()
            if values["ms"]
        },
    }


if __name__ == "__main__":
    django.setup()
    print(json.dumps(in_process(Path(sys.argv[1]), int(sys.argv[2]))))
