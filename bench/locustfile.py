"""The soak test's mixed load (see bench/soak.py): browse, deposit, checkout by
wallet and by card, refunds. Each user runs about one task per second."""

import os
import random
import uuid
from pathlib import Path

from locust import HttpUser, constant_throughput, task

WORK = Path(os.environ["SOAK_WORK"])
TOKENS = WORK.joinpath("tokens.txt").read_text().split()
PRODUCTS = WORK.joinpath("spread.txt").read_text().split()
ADMIN_TOKEN = WORK.joinpath("admin.txt").read_text().strip()


class Shopper(HttpUser):
    wait_time = constant_throughput(1)

    def on_start(self):
        self.auth = {"Authorization": f"Bearer {random.choice(TOKENS)}"}  # noqa: S311
        self.paid_orders: list[str] = []

    def _post(self, path, body, name, auth=None):
        headers = {**(auth or self.auth), "Idempotency-Key": str(uuid.uuid4())}
        return self.client.post(path, json=body, headers=headers, name=name)

    @task(5)
    def browse(self):
        self.client.get("/api/v1/products", params={"page": random.randint(1, 5)}, name="browse")  # noqa: S311

    @task(3)
    def product(self):
        self.client.get(f"/api/v1/products/{random.choice(PRODUCTS)}", name="product")  # noqa: S311

    @task(1)
    def deposit(self):
        self._post("/api/v1/wallet/deposit", {"amount": 5000, "card_token": "tok_visa"}, "deposit")

    @task(3)
    def wallet_checkout(self):
        items = [{"product_id": random.choice(PRODUCTS), "quantity": 1}]  # noqa: S311
        response = self._post(
            "/api/v1/orders", {"items": items, "payment_method": "WALLET"}, "checkout wallet"
        )
        if response.status_code == 201:
            self.paid_orders.append(response.json()["id"])

    @task(2)
    def card_checkout(self):
        items = [{"product_id": random.choice(PRODUCTS), "quantity": 1}]  # noqa: S311
        response = self._post(
            "/api/v1/orders", {"items": items, "payment_method": "CARD"}, "checkout card"
        )
        if response.status_code == 201:
            token = random.choice(["tok_visa", "tok_visa", "tok_flaky", "tok_chargeDeclined"])  # noqa: S311
            self._post(
                f"/api/v1/orders/{response.json()['id']}/pay", {"card_token": token}, "pay card"
            )

    @task(1)
    def refund(self):
        if self.paid_orders:
            order = self.paid_orders.pop()
            self._post(
                f"/api/v1/orders/{order}/refund",
                {"reason": "soak"},
                "refund",
                auth={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
