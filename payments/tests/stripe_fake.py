"""A small local stand-in for the Stripe endpoints Kassa uses.

It honours Idempotency-Key the way Stripe does (the same key returns the first
response and creates nothing new) and counts what it created, so tests can
prove a retried or redelivered charge reaches the card once.
"""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


class FakeStripe:
    def __init__(self):
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
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
            "client_secret": f"{intent_id}_secret_{uuid.uuid4().hex[:16]}",
            "metadata": {"payment_id": form.get("metadata[payment_id]", "")},
        }
        self.intents[intent["id"]] = intent
        return 200, intent

    def _refund(self, form: dict) -> tuple[int, dict]:
        refund = {
            "id": f"re_{uuid.uuid4().hex[:24]}",
            "object": "refund",
            "amount": int(form["amount"]),
            "payment_intent": form["payment_intent"],
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

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
                    if key and key in fake.responses_by_key:
                        status, body = fake.responses_by_key[key]
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
                intent_id = self.path.rsplit("/", 1)[-1]
                with fake.lock:
                    fake.requests.append((self.path, None))
                    intent = fake.intents.get(intent_id)
                status, body = (
                    (200, intent) if intent else (404, {"error": {"type": "invalid_request_error"}})
                )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
