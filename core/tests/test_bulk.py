"""insert_together: several models' rows in one round trip on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from core.bulk import insert_together
from orders.models import Order, OrderEvent, OrderItem

pytestmark = pytest.mark.django_db


def _order_with_lines(buyer, products):
    order = Order(buyer=buyer, payment_method="WALLET", currency="USD", total=300)
    events = [
        OrderEvent(order=order, from_status="", to_status="CREATED", actor=buyer, reason="placed")
    ]
    lines = [
        OrderItem(
            order=order,
            product=product,
            merchant=product.merchant,
            name=product.name,
            unit_price=100,
            quantity=quantity,
        )
        for product, quantity in zip(products, (1, 2), strict=True)
    ]
    return order, events, lines


def test_rows_of_three_models_referencing_each_other_are_all_written():
    from catalog.tests.factories import ProductFactory

    buyer, products = UserFactory(), [ProductFactory(), ProductFactory()]
    order, events, lines = _order_with_lines(buyer, products)

    with CaptureQueriesContext(connection) as queries:
        insert_together((Order, [order]), (OrderEvent, events), (OrderItem, lines))

    if connection.vendor == "postgresql":
        assert len(queries.captured_queries) == 1
    stored = Order.objects.get(pk=order.pk)
    assert stored.created_at is not None and stored.total == 300
    assert order.serial is not None and order.serial == stored.serial  # made by the database
    assert list(stored.events.values_list("reason", flat=True)) == ["placed"]
    assert [line.pk for line in lines] == list(
        stored.items.order_by("pk").values_list("pk", flat=True)
    )
    assert all(not line._state.adding for line in lines)


def test_a_failing_batch_writes_none_of_the_others():
    from django.db import IntegrityError, transaction

    from catalog.tests.factories import ProductFactory

    buyer, products = UserFactory(), [ProductFactory(), ProductFactory()]
    order, events, lines = _order_with_lines(buyer, products)
    lines[1].quantity = 0  # the database refuses a line of no units

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_together((Order, [order]), (OrderEvent, events), (OrderItem, lines))

    assert not Order.objects.filter(pk=order.pk).exists()
