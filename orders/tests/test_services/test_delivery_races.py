"""Codes under concurrency, on PostgreSQL with real threads and connections: a
code is sold once, to one order, and never twice."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import ProductCode, Stock
from catalog.tests.factories import code_product, download_product
from conftest import client_for, run_in_threads
from core import crypto
from orders.models import DownloadGrant, Order
from orders.services import order_release_expired
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TEN_CODES = [f"GIFT-{n:04d}-{n * 7919 % 10000:04d}" for n in range(10)]


def _funded_buyers(count):
    buyers = [UserFactory() for _ in range(count)]
    for buyer in buyers:
        funded_wallet(buyer, 10_000)
    return buyers


def _buy_over_http(buyer, product, method="WALLET"):
    return client_for(buyer).post(
        "/api/v1/orders",
        {"items": [{"product_id": str(product.pk), "quantity": 1}], "payment_method": method},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"race-{buyer.pk}",
    )


def _assert_each_code_in_at_most_one_order(product):
    holders = Counter(
        ProductCode.objects.filter(product=product, order_item__isnull=False).values_list(
            "order_item__order_id", flat=True
        )
    )
    sold = ProductCode.objects.filter(product=product, state="sold").select_related("order_item")
    assert all(code.order_item.order.status == Order.Status.FULFILLED for code in sold)
    assert all(count == 1 for count in holders.values())


def test_fifty_buyers_for_ten_codes_make_ten_orders_with_ten_distinct_codes():
    product = code_product(codes=TEN_CODES, price=500)
    buyers = _funded_buyers(50)

    answers = run_in_threads(lambda b: _buy_over_http(b, product), [(b,) for b in buyers])

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 10, 409: 40}, answers
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"insufficient_stock"}
    winners = [
        (a.json()["id"], b) for a, b in zip(answers, buyers, strict=True) if a.status_code == 201
    ]
    delivered = []
    for order_id, buyer in winners:
        codes = client_for(buyer).get(f"/api/v1/orders/{order_id}/deliveries").json()[0]["codes"]
        assert len(codes) == 1
        delivered += codes
    assert sorted(delivered) == sorted(TEN_CODES)  # ten distinct codes, each delivered once
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.reserved, stock.sold) == (0, 0, 10)
    assert Order.objects.filter(status=Order.Status.FULFILLED).count() == 10
    _assert_each_code_in_at_most_one_order(product)
    assert ledger_violations() == []


def test_expired_card_reservations_free_their_codes_for_the_next_buyers():
    product = code_product(codes=TEN_CODES[:4], price=500)
    card_buyers, wallet_buyers = _funded_buyers(4), _funded_buyers(6)

    reserved = run_in_threads(
        lambda b: _buy_over_http(b, product, "CARD"), [(b,) for b in card_buyers]
    )
    assert [a.status_code for a in reserved] == [201] * 4
    assert ProductCode.objects.filter(product=product, state="reserved").count() == 4
    late = _buy_over_http(wallet_buyers[0], product)
    assert late.status_code == 409
    Order.objects.filter(payment_method="CARD").update(
        reserved_until=timezone.now() - timedelta(seconds=1)
    )
    assert order_release_expired() == 4

    answers = run_in_threads(
        lambda b: place_order(b, [(product, 1)]), [(b,) for b in wallet_buyers[1:]]
    )

    paid = [a for a in answers if isinstance(a, Order)]
    assert len(paid) == 4
    delivered = [crypto.decrypt(c.ciphertext) for c in ProductCode.objects.filter(state="sold")]
    assert sorted(delivered) == sorted(TEN_CODES[:4])
    _assert_each_code_in_at_most_one_order(product)


def test_parallel_downloads_never_go_past_the_limit():
    buyer = _funded_buyers(1)[0]
    order = place_order(buyer, [(download_product(), 1)])
    url = client_for(buyer).get(f"/api/v1/orders/{order.pk}/deliveries").json()[0]["download_url"]

    answers = run_in_threads(lambda: client_for(buyer).get(url), [() for _ in range(12)])

    assert Counter(a.status_code for a in answers) == {200: 5, 410: 7}
    assert DownloadGrant.objects.get().downloads_used == 5
