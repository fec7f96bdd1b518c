"""The order's answer is written out by hand for speed; its declared fields are
the OpenAPI schema. These keep the two saying the same thing."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework import serializers

from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.serializers import OrderDetailOutputSerializer, OrderOutputSerializer
from orders.tests.factories import place_order
from payments.services.creation import payment_create_for_order

pytestmark = pytest.mark.django_db


def _through_the_fields(serializer_class, order, context):
    """What DRF makes of the declared fields."""
    return serializers.Serializer.to_representation(serializer_class(context=context), order)


@pytest.fixture
def context():
    request = RequestFactory().get("/api/v1/orders")
    request.user = AnonymousUser()
    return {"request": request}


def test_a_paid_order_reads_as_its_declared_fields_say(buyer_with_two_lines, context):
    order = buyer_with_two_lines(Order.PaymentMethod.WALLET)

    written_out = OrderOutputSerializer(order, context=context).data

    assert written_out == _through_the_fields(OrderOutputSerializer, order, context)
    assert list(written_out) == list(OrderOutputSerializer().fields)
    assert written_out["reserved_until"] is None
    assert written_out["created_at"].endswith("Z")


def test_a_reserved_card_order_with_a_payment_reads_the_same_both_ways(
    buyer_with_two_lines, context
):
    order = buyer_with_two_lines(Order.PaymentMethod.CARD)
    payment_create_for_order(order=order, payer=order.buyer, card_token="tok_visa")
    order = Order.objects.prefetch_related("items", "payments").get(pk=order.pk)

    written_out = OrderDetailOutputSerializer(order, context=context).data

    assert written_out == _through_the_fields(OrderDetailOutputSerializer, order, context)
    assert written_out["reserved_until"] is not None
    assert len(written_out["payment_urls"]) == 1


@pytest.fixture
def buyer_with_two_lines(buyer):
    def order_with(method):
        first, second = ProductFactory(price=1250), ProductFactory(price=99)
        return place_order(buyer, [(first, 2), (second, 1)], method)

    return order_with
