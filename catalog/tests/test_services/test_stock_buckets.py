"""A flash sale's stock spread over buckets (Product.stock_buckets): every unit
sold once, the product's counts and movements agree, and its events come
when its own count — not a bucket's — runs out or runs low."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from catalog.models import Product, StockBucket, StockMovement
from catalog.services import product_update, stock_adjust
from catalog.services.stock import StockMove, stock_take
from catalog.tests.factories import ProductFactory, code_product
from core.exceptions import ApplicationError
from events.models import Event
from orders.models import Order
from orders.services import order_cancel, order_mark_paid
from orders.services.settlement import order_refund_to_wallet
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    user = UserFactory()
    funded_wallet(user, 1_000_000)
    return user


def counts(product) -> tuple[int, int, int]:
    return tuple(Product.objects.get(pk=product.pk).stock_counts)


def moved(product) -> tuple[int, int, int]:
    rows = StockMovement.objects.filter(product=product)
    return tuple(
        sum(getattr(m, f"delta_{name}") for m in rows) for name in ("available", "reserved", "sold")
    )


def sold_out_events(product) -> int:
    return Event.objects.filter(type="product.sold_out", data__product__id=str(product.pk)).count()


def test_every_unit_sells_once_and_the_last_one_says_sold_out(buyer):
    product = ProductFactory(stock=30, stock_buckets=4)

    orders = [place_order(buyer, [(product, 1)]) for _ in range(30)]
    with pytest.raises(ApplicationError) as refused:
        place_order(buyer, [(product, 1)])

    assert len({o.pk for o in orders}) == 30
    assert refused.value.code == "insufficient_stock"
    assert refused.value.extra["products"][0]["available"] == 0
    assert counts(product) == (0, 0, 30) == moved(product)
    assert sold_out_events(product) == 1
    assert StockBucket.objects.filter(product=product).count() == 4


def test_the_units_are_spread_over_the_buckets_by_the_first_sale(buyer):
    product = ProductFactory(stock=42, stock_buckets=4)

    place_order(buyer, [(product, 1)])

    buckets = list(StockBucket.objects.filter(product=product).order_by("index"))
    assert [b.available for b in buckets] == [10, 10, 10, 10]
    product.refresh_from_db()
    assert product.stock.available == 1  # the reserve: the last unit is sold from the row
    assert counts(product) == (41, 0, 1)


def test_an_order_larger_than_any_bucket_gathers_them(buyer):
    product = ProductFactory(stock=12, stock_buckets=4)
    place_order(buyer, [(product, 1)])  # spreads 10 over four buckets

    place_order(buyer, [(product, 8)])
    place_order(buyer, [(product, 3)])
    with pytest.raises(ApplicationError):
        place_order(buyer, [(product, 1)])

    assert counts(product) == (0, 0, 12) == moved(product)


def test_card_reservations_from_buckets_are_paid_or_released_exactly(buyer):
    product = ProductFactory(stock=20, stock_buckets=4)
    place_order(buyer, [(product, 1)])
    paid = place_order(buyer, [(product, 2)], method="CARD")
    cancelled = place_order(buyer, [(product, 3)], method="CARD")
    assert counts(product) == (14, 5, 1)

    order_mark_paid(order=paid)
    order_cancel(order=cancelled, actor=buyer)

    assert counts(product) == (17, 0, 3) == moved(product)
    place_order(buyer, [(product, 17)])
    assert counts(product) == (0, 0, 20)


def test_a_refund_puts_a_bucketed_sale_back(buyer):
    product = ProductFactory(stock=10, stock_buckets=4)
    place_order(buyer, [(product, 1)])
    order = place_order(buyer, [(product, 2)])

    order_refund_to_wallet(order=order, actor=order.items.get().merchant, reason="asked")

    assert counts(product) == (9, 0, 1) == moved(product)
    assert Order.objects.get(pk=order.pk).status == Order.Status.REFUNDED
    assert ledger_violations() == []


def test_changing_the_bucket_count_folds_them_and_sales_go_on(buyer):
    product = ProductFactory(stock=20, stock_buckets=8)
    place_order(buyer, [(product, 1)])

    product_update(product=product, data={"stock_buckets": 1})
    assert sum(b.available for b in StockBucket.objects.filter(product=product)) == 0
    place_order(buyer, [(product, 4)])
    product_update(product=Product.objects.get(pk=product.pk), data={"stock_buckets": 2})
    place_order(buyer, [(product, 1)])

    assert counts(product) == (14, 0, 6) == moved(product)


def test_the_merchant_adjusts_a_bucketed_product_by_its_whole_count(buyer):
    product = ProductFactory(stock=10, stock_buckets=4)
    place_order(buyer, [(product, 1)])

    stock_adjust(product=product, delta=-9, actor=product.merchant, note="recount")

    assert counts(product) == (0, 0, 1) == moved(product)
    assert sold_out_events(product) == 1


def test_a_codes_product_warns_once_when_its_own_count_runs_low(buyer):
    product = code_product(
        codes=[f"FLASH-{n:04d}" for n in range(20)], stock_buckets=4, codes_low_threshold=5
    )

    for _ in range(16):
        place_order(buyer, [(product, 1)])

    warnings = Event.objects.filter(type="codes.running_low", data__product__id=str(product.pk))
    assert [w.data["product"]["available"] for w in warnings] == [4]
    assert counts(product) == (4, 0, 16)


def test_a_sale_from_a_bucket_touches_no_other_row_of_the_product(buyer):
    product = ProductFactory(stock=100, stock_buckets=4)
    place_order(buyer, [(product, 1)])

    with CaptureQueriesContext(connection) as queries:
        place_order(buyer, [(product, 1)])

    stock_writes = [q["sql"] for q in queries if '"catalog_stock"' in q["sql"]]
    assert stock_writes == []
    assert any('UPDATE "catalog_stockbucket"' in q["sql"] for q in queries)


def test_a_product_sold_without_a_count_cannot_be_spread():
    with pytest.raises(ApplicationError) as refused:
        ProductFactory(stock=0, delivery_kind="download", unlimited_stock=True, stock_buckets=4)

    assert refused.value.code == "stock_unlimited"


@pytest.mark.parametrize(("read_with", "changed_to"), [(4, 1), (1, 4), (4, 8)])
def test_a_checkout_that_read_another_bucket_count_takes_nothing(buyer, read_with, changed_to):
    product = ProductFactory(stock=20, stock_buckets=read_with)
    place_order(buyer, [(product, 1)])
    as_read = Product.objects.get(pk=product.pk)  # what a checkout in flight holds
    product_update(product=Product.objects.get(pk=product.pk), data={"stock_buckets": changed_to})
    place_order(buyer, [(product, 1)])  # a checkout that read the new count spreads it

    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        stock_take(
            products={product.pk: as_read},
            quantities={product.pk: 1},
            move=StockMove.SELL,
            actor=buyer,
            reference="in flight",
            names={},
        )

    assert refused.value.code == "product_unavailable"
    assert "changed while you were checking out" in refused.value.message
    assert counts(product) == (18, 0, 2) == moved(product)
    place_order(buyer, [(product, 18)])
    assert counts(product) == (0, 0, 20) == moved(product)
