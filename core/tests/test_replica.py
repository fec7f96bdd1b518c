"""The read replica, on a real PostgreSQL streaming replica (DATABASE_REPLICA_URL;
`.ci/replica` starts one on 127.0.0.1:5433): the catalog is read from it, the
merchant who has just written is not, and a checkout never touches it."""

import time
import uuid
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from catalog import cache as catalog_cache
from catalog.models import Stock
from catalog.tests.factories import ProductFactory
from conftest import client_for
from core.replica import REPLICA, WROTE_COOKIE, lagging_reads
from wallets.tests.factories import funded_wallet

pytestmark = [
    pytest.mark.skipif(
        "replica" not in settings.DATABASES,
        reason="needs a streaming replica: set DATABASE_REPLICA_URL (.ci/replica starts one)",
    ),
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
]

LIST = "/api/v1/products"


@pytest.fixture(autouse=True)
def _replica_reads():
    with override_settings(REPLICA_READS=True):
        yield


def _replica_caught_up(timeout: float = 10.0) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    with connections[REPLICA].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the replica did not replay the primary's writes in time")


@contextmanager
def _replay_paused():
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


def _catalog_version_settled() -> None:
    """As if the last catalog change were older than the read-your-writes window."""
    catalog_cache.cache.set(catalog_cache.VERSION_KEY, f"{uuid.uuid4().hex}@0", timeout=None)


def test_the_catalog_is_served_from_the_replica(api_client, client):
    product = ProductFactory(name="Replicated gift card")
    _replica_caught_up()
    _catalog_version_settled()

    with CaptureQueriesContext(connections[REPLICA]) as replica_queries:
        listed = api_client.get(LIST).json()
        detail = api_client.get(f"{LIST}/{product.pk}")
        page = client.get("/")

    assert [item["name"] for item in listed["results"]] == ["Replicated gift card"]
    assert detail.status_code == 200
    assert "Replicated gift card" in page.content.decode()
    assert any("catalog_product" in query["sql"] for query in replica_queries.captured_queries)


def test_a_lagging_replica_is_really_read_and_the_merchant_still_sees_their_product(
    api_client, merchant
):
    _replica_caught_up()
    with _replay_paused():
        created = client_for(merchant).post(
            LIST, {"name": "Fresh licence", "price": 1500, "stock": 3}, format="json"
        )
        assert created.status_code == 201

        # The merchant has just written: their reads come from the primary.
        mine = client_for(merchant).get(LIST).json()
        assert [item["name"] for item in mine["results"]] == ["Fresh licence"]

        # A visitor, once the change is older than the window, reads the replica,
        # which has not replayed the product yet.
        _catalog_version_settled()
        assert api_client.get(LIST).json()["count"] == 0

    _replica_caught_up()
    _catalog_version_settled()
    assert api_client.get(LIST).json()["count"] == 1


def test_a_write_marks_the_browser_and_the_account(merchant):
    response = client_for(merchant).post(
        LIST, {"name": "Marked", "price": 100, "stock": 1}, format="json"
    )

    assert response.status_code == 201
    assert response.cookies[WROTE_COOKIE]["max-age"] == settings.REPLICA_READ_YOUR_WRITES_SECONDS
    assert catalog_cache.cache.get(f"wrote:{merchant.pk}") == 1


def test_a_checkout_never_touches_the_replica(merchant):
    product = ProductFactory(merchant=merchant, price=2500, stock=5)
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    _replica_caught_up()
    _catalog_version_settled()

    with CaptureQueriesContext(connections[REPLICA]) as replica_queries:
        response = client_for(buyer).post(
            "/api/v1/orders",
            {"items": [{"product_id": str(product.pk), "quantity": 1}], "payment_method": "WALLET"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        order = client_for(buyer).get(f"/api/v1/orders/{response.json()['id']}")

    assert response.status_code == 201, response.content
    assert order.json()["status"] == "PAID"
    assert replica_queries.captured_queries == []


def test_locking_reads_stay_on_the_primary_even_where_reads_may_lag(merchant):
    product = ProductFactory(merchant=merchant, stock=2)
    _replica_caught_up()
    request = RequestFactory().get("/")
    request.user = merchant

    with CaptureQueriesContext(connections[REPLICA]) as replica_queries, lagging_reads(request):
        with transaction.atomic():
            Stock.objects.select_for_update().get(product=product)
        Stock.objects.get(product=product)

    assert len(replica_queries.captured_queries) == 1
