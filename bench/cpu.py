"""Python CPU per checkout, measured in one process: `python -m bench.cpu N [profile]`.

N wallet checkouts of one unit of the hot product, through the whole WSGI
application (middleware, JWT, Idempotency-Key, DRF, the ORM and psycopg) with
no HTTP server and no load generator, timed with time.process_time(): this
process's CPU, PostgreSQL's excluded. With "profile", also the top functions.

For the floor, the same for GET /healthz (Django and the middleware alone) and
for GET /api/v1/wallet (plus DRF, JWT and two small queries), each with its
statement count: what a checkout costs beyond them is its statements.
"""

import cProfile
import gc
import io
import json
import pstats
import sys
import time
import uuid
from pathlib import Path

import django

WARM_UP = 50


def _call(app, method: str, path: str, token: str = "", body: bytes = b"") -> int:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4()),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    status = []
    b"".join(app(environ, lambda code, headers, *_: status.append(code)))
    return int(status[0].split()[0])


def _checkout(app, token: str, product: str) -> int:
    body = json.dumps(
        {"items": [{"product_id": product, "quantity": 1}], "payment_method": "WALLET"}
    ).encode()
    return _call(app, "POST", "/api/v1/orders", token, body)


def _per_request(run, times: int) -> dict:
    """CPU ms per call of run() and the statements one call sends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        run()
    with CaptureQueriesContext(connection) as queries:
        run()
    statements = len(queries.captured_queries)
    cpu = time.process_time()
    for _ in range(times):
        run()
    return {
        "cpu_ms": round((time.process_time() - cpu) * 1000 / times, 2),
        "statements": statements,
    }


def warmed_up(work: Path):
    """(the WSGI application, the first buyer's token, a wallet checkout of one
    unit of the hot product), warmed up, with the GC frozen as a gunicorn worker
    freezes it once it has loaded Django (gunicorn.conf.py)."""
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    token = (work / "tokens.txt").read_text().split()[0]
    product = (work / "hot.txt").read_text().strip()

    def checkout() -> int:
        return _checkout(app, token, product)

    for _ in range(WARM_UP):
        assert checkout() == 201
    gc.collect()
    gc.freeze()
    return app, token, checkout


def measure(work: Path, checkouts: int, profile: bool) -> dict:
    app, token, checkout = warmed_up(work)
    profiler = cProfile.Profile(time.process_time) if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    statuses = [checkout() for _ in range(checkouts)]
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    result = {
        "checkouts": checkouts,
        "errors": sum(status != 201 for status in statuses),
        "cpu_ms_per_checkout": round(cpu * 1000 / checkouts, 2),
        "wall_ms_per_checkout": round(wall * 1000 / checkouts, 2),
    }
    result["floor"] = {
        "healthz": _per_request(lambda: _call(app, "GET", "/healthz"), checkouts),
        "authenticated_get": _per_request(
            lambda: _call(app, "GET", "/api/v1/wallet", token), checkouts
        ),
        "checkout": _per_request(checkout, checkouts // 2),
    }
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(
            sys.argv[4] if len(sys.argv) > 4 else "tottime"
        ).print_stats(40)
        result["profile"] = out.getvalue()
    return result


if __name__ == "__main__":
    django.setup()
    print(json.dumps(measure(Path(sys.argv[1]), int(sys.argv[2]), "profile" in sys.argv[3:])))
