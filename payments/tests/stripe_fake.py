"""A small local stand-in for the Stripe endpoints Kassa uses.

It honours Idempotency-Key the way Stripe does (the same key returns the first
response and creates nothing new) and counts what it created, so tests can
prove a retried or redelivered charge reaches the card once.
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

# What Stripe answers a revoked or wrong secret key.
REVOKED = (
    401,
    {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_***"}},
)


class FakeStripe:
    def __init__(self):
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        # What a test makes Stripe do: refuse the secret key (a revoked key), or
        # answer new refunds pending instead of succeeded.
        self.revoked = False
        self.refund_status = "succeeded"
        self.responses_by_key: dict[str, tuple[int, dict]] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _payment_intent(self, form: dict) -> tuple[int, dict]:
        token = form.get("payment_method", "")
        if token == "tok_chargeDeclined":
            return 402, {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "message": "Your card was declined.",
                }
            }
        if token == "tok_fail500":
            return 500, {"error": {"type": "api_error", "message": "Something went wrong."}}
        if form.get("confirm", "").lower() != "true":
            status = "requires_payment_method"  # the browser's Payment Element confirms it
        else:
            status = "processing" if token == "tok_processing" else "succeeded"
        intent_id = f"pi_{uuid.uuid4().hex[:24]}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "status": status,
            "created": int(time.time()),
            "client_secret": f"{intent_id}_secret_{uuid.uuid4().hex[:16]}",
            "metadata": {"payment_id": form.get("metadata[payment_id]", "")},
        }
        self.intents[intent["id"]] = intent
        return 200, intent

    def _refund(self, form: dict) -> tuple[int, dict]:
        intent = self.intents.get(form["payment_intent"], {})
        refund = {
            "id": f"re_{uuid.uuid4().hex[:24]}",
            "object": "refund",
            "amount": int(form["amount"]),
            "currency": intent.get("currency", "usd"),
            "payment_intent": form["payment_intent"],
            "status": self.refund_status,
            "created": int(time.time()),
            "metadata": {"refund_id": form.get("metadata[refund_id]", "")},
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    def refund_made_in_the_dashboard(self, intent_id: str, amount: int) -> dict:
        """A refund someone made in Stripe's dashboard, not through Kassa."""
        with self.lock:
            status, refund = self._refund({"payment_intent": intent_id, "amount": str(amount)})
            refund["status"] = "succeeded"
            refund["metadata"] = {}
        return refund

    def _dispute_update(self, dispute_id: str, form: dict) -> tuple[int, dict]:
        dispute = self.disputes.setdefault(dispute_id, {"id": dispute_id, "object": "dispute"})
        dispute["evidence"] = {
            key[len("evidence[") : -1]: value
            for key, value in form.items()
            if key.startswith("evidence[")
        }
        dispute["submitted"] = form.get("submit") == "true"
        return 200, dispute

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                key = self.headers.get("Idempotency-Key")
                with fake.lock:
                    fake.requests.append((self.path, key))
                    if fake.revoked:
                        status, body = REVOKED
                    elif key and key in fake.responses_by_key:
                        status, body = fake.responses_by_key[key]
                    elif self.path.startswith("/v1/disputes/"):
                        status, body = fake._dispute_update(self.path.rsplit("/", 1)[-1], form)
                    else:
                        route = {
                            "/v1/payment_intents": fake._payment_intent,
                            "/v1/refunds": fake._refund,
                        }.get(self.path)
                        status, body = route(form) if route else (404, {"error": {}})
                        if key and status < 500:
                            fake.responses_by_key[key] = (status, body)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if key:
                    self.send_header("Idempotency-Key", key)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                listed = {
                    "/v1/payment_intents": fake.intents,
                    "/v1/refunds": fake.refunds,
                    "/v1/disputes": fake.disputes,
                }
                with fake.lock:
                    fake.requests.append((self.path, None))
                    if fake.revoked:
                        status, body = REVOKED
                    elif path in listed:
                        items = list(listed[path].values())
                        body = {"object": "list", "data": items, "has_more": False, "url": path}
                        status = 200
                    else:
                        found = fake.intents.get(path.rsplit("/", 1)[-1]) or fake.refunds.get(
                            path.rsplit("/", 1)[-1]
                        )
                        status, body = (
                            (200, found)
                            if found
                            else (404, {"error": {"type": "invalid_request_error"}})
                        )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
