"""Order numbers people read out (K-10482): made by the database in the order's
INSERT, shown wherever an order is, found by the merchant and the staff."""

import re
import threading
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import FIRST_ORDER_SERIAL, Order
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_order_gets_the_next_number_and_reads_it_as_k_dash_digits(buyer):
    product = ProductFactory(stock=10)

    first, second = place_order(buyer, [(product, 1)]), place_order(buyer, [(product, 1)])

    assert re.fullmatch(r"K-\d{5,}", first.number)
    assert second.serial == first.serial + 1
    assert Order.objects.get(pk=second.pk).number == second.number


def test_the_checkout_answer_carries_the_number(buyer):
    product = ProductFactory(stock=10)

    response = client_for(buyer).post(
        "/api/v1/orders",
        {"items": [{"product_id": str(product.pk), "quantity": 1}], "payment_method": "WALLET"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )

    assert response.status_code == 201
    assert response.json()["number"] == Order.objects.get(pk=response.json()["id"]).number


def test_the_buyer_reads_the_number_on_the_order_and_in_the_list(buyer):
    order = place_order(buyer, [(ProductFactory(stock=5), 1)])
    client = _logged_in(buyer)

    detail = client.get(f"/orders/{order.pk}/").content.decode()
    listing = client.get("/orders/").content.decode()

    assert f"<h1>Order {order.number}</h1>" in detail
    assert f">{order.number}</a>" in listing


def test_the_merchant_finds_a_sale_by_its_number_and_only_their_own(buyer):
    merchant = MerchantFactory()
    wanted = place_order(buyer, [(ProductFactory(merchant=merchant, stock=5), 1)])
    other_sale = place_order(buyer, [(ProductFactory(merchant=merchant, stock=5), 1)])
    not_theirs = place_order(buyer, [(ProductFactory(stock=5), 1)])
    client = _logged_in(merchant)

    found = client.get("/dashboard/sales/", {"number": wanted.number.lower()}).content.decode()
    foreign = client.get("/dashboard/sales/", {"number": not_theirs.number}).content.decode()
    nonsense = client.get("/dashboard/sales/", {"number": "K-twelve"}).content.decode()

    def listed(page):
        return {o for o in (wanted, other_sale, not_theirs) if f'id="order-{o.pk}"' in page}

    assert listed(found) == {wanted}
    assert listed(foreign) == set()
    assert listed(nonsense) == set()


def test_staff_search_the_admin_by_number(buyer):
    wanted = place_order(buyer, [(ProductFactory(stock=5), 1)])
    other = place_order(buyer, [(ProductFactory(stock=5), 1)])

    page = _logged_in(AdminFactory()).get("/admin/orders/order/", {"q": wanted.number})

    assert page.status_code == 200
    assert f"/admin/orders/order/{wanted.pk}/change/" in page.content.decode()
    assert f"/admin/orders/order/{other.pk}/change/" not in page.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_checkouts_at_once_get_distinct_numbers():
    product = ProductFactory(stock=100)
    buyers = [UserFactory() for _ in range(8)]
    for buyer in buyers:
        funded_wallet(buyer, 10_000)
    numbers, failures = [], []

    def buy(buyer):
        try:
            numbers.append(place_order(buyer, [(product, 1)]).number)
        except Exception as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(set(numbers)) == 8


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_orders_oldest_first_and_goes_on_after_them(buyer):
    product = ProductFactory(stock=10)
    before = [place_order(buyer, [(product, 1)]) for _ in range(3)]
    executor = MigrationExecutor(connection)
    executor.migrate([("orders", "0007_fulfilment_note")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    renumbered = list(Order.objects.order_by("created_at", "id").values_list("pk", "serial"))
    after = place_order(buyer, [(product, 1)])

    assert renumbered == [
        (order.pk, FIRST_ORDER_SERIAL + index) for index, order in enumerate(before)
    ]
    assert after.serial == FIRST_ORDER_SERIAL + 3
