"""A live Kassa serving a throwaway copy of the demo data, for `make screenshots`
and CI's Lighthouse run.

Needs nothing configured: a temporary SQLite file is migrated and seeded with
`seed_demo`, and gunicorn serves it with the production settings (hashed static
files, no debug pages), as a visitor would see it. Whatever DATABASE_URL,
REDIS_URL or CELERY_BROKER_URL the caller has is ignored, so no one's data,
cache or worker is touched.
"""

import http.cookiejar
import re
import signal
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from accounts.tests.totp import totp  # noqa: E402
from bench.stack import _free_port, _run, _stop, _wait_for, server_env, start_gunicorn  # noqa: E402

CUSTOMER = ("customer@example.com", "customer123")
MERCHANT = ("merchant@example.com", "merchant123")
ADMIN = ("admin@example.com", "admin123")


@dataclass
class DemoSite:
    base: str
    env: dict
    # The two-factor keys seed_demo printed, by email (the demo merchant and admin).
    totp_keys: dict[str, str]

    def code_for(self, email: str) -> str:
        return totp(self.totp_keys[email])

    def query(self, code: str) -> str:
        """What `code` prints, run by `manage.py shell` against the demo database."""
        return _run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", code], self.env
        ).stdout.strip()

    def logged_in(self, email: str, password: str) -> "HttpSession":
        """A session logged in through the login page (and its code, with two-factor)."""
        session = HttpSession(self.base)
        session.post_form("/login/", {"username": email, "password": password})
        if email in self.totp_keys:
            session.post_form("/login/code/", {"code": self.code_for(email)})
        return session


class HttpSession:
    """Cookies and CSRF token of one visitor, for pages posted without a browser."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def post_form(self, path: str, fields: dict) -> None:
        url = self.base + path
        if not self._csrf():
            self.opener.open(url, timeout=10).read()  # the form's page sets the cookie
        csrf = self._csrf()
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": csrf}).encode()
        request = urllib.request.Request(url, data=body, headers={"Referer": url})  # noqa: S310
        self.opener.open(request, timeout=10).read()

    def get(self, path: str) -> str:
        return self.opener.open(self.base + path, timeout=10).read().decode()

    def _csrf(self) -> str | None:
        return next((c.value for c in self.jar if c.name == "csrftoken"), None)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


@contextmanager
def demo_site():
    # Stopped by a signal (Ctrl-C, CI cancelling), still stop gunicorn and
    # delete the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kassa-demo-")))
        env = server_env(
            f"sqlite:///{work}/demo.sqlite3",
            # Tasks are dropped: an embedded filesystem broker would share var/
            # with `make run`'s worker, which would run them on its own database.
            CELERY_BROKER_URL="memory://",
            MEDIA_ROOT=str(work / "media"),
            # Plain http on 127.0.0.1: the session cookie must not be Secure-only.
            DJANGO_SECURE_COOKIES="false",
            KASSA_WEBHOOKS_ALLOW_PRIVATE="true",
        )
        env.pop("REDIS_URL", None)  # its own in-process cache
        print("migrating and seeding a throwaway demo database ...", flush=True)
        _run([sys.executable, "manage.py", "migrate", "--noinput"], env)
        _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        seeded = _run([sys.executable, "manage.py", "seed_demo"], env).stdout
        keys = dict(re.findall(r"two-factor secret (\S+): ([A-Z2-7]+)", seeded))
        port = _free_port()
        log = stack.enter_context(open(work / "server.log", "w"))  # noqa: SIM115
        server = start_gunicorn(port, env, stdout=log, stderr=subprocess.STDOUT)
        stack.callback(_stop, [server])
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/healthz")
        yield DemoSite(base=base, env=env, totp_keys=keys)
