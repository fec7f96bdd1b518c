"""django-prometheus's database metrics (django_db_*), recorded for less.

Its own backends look up each metric's labelled child, time the statement
through a context manager and build an exception counter for every statement:
about 5% of a checkout's CPU (docs/performance.md). These backends record the
same metrics, under the same names, with the children looked up once per
connection."""

import time

from django_prometheus.db import (
    errors_total,
    execute_many_total,
    execute_total,
    query_duration_seconds,
)


def counting_cursor(cursor_class, alias: str, vendor: str):
    """cursor_class, counting and timing what it executes."""
    executed = execute_total.labels(alias, vendor)
    executed_many = execute_many_total.labels(alias, vendor)
    duration = query_duration_seconds.labels(alias, vendor)

    def measured(run, *args, **kwargs):
        started = time.perf_counter()
        try:
            return run(*args, **kwargs)
        except Exception as exc:
            errors_total.labels(alias, vendor, type(exc).__name__).inc()
            raise
        finally:
            duration.observe(time.perf_counter() - started)

    class CountingCursor(cursor_class):
        def execute(self, *args, **kwargs):
            executed.inc()
            return measured(super().execute, *args, **kwargs)

        def executemany(self, query, param_list, *args, **kwargs):
            executed.inc(len(param_list))
            executed_many.inc(len(param_list))
            return measured(super().executemany, query, param_list, *args, **kwargs)

    return CountingCursor
