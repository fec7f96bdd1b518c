"""Events written with each change, one per merchant about its own lines, and
numbered by the relay: per merchant, from 1, with no gap."""

from pathlib import Path

import pytest
from celery import current_app as celery_app
from django.core.cache import cache

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.services import code_void, stock_adjust
from catalog.tests.factories import ProductFactory, code_product
from conftest import client_for
from core.task_names import RELAY_EVENTS
from events.models import Event
from events.services import events_relay
from events.tasks import relay_events_task
from events.types import registered
from orders.services import order_cancel, order_fulfill
from orders.tests.factories import place_order
from payments.tests.factories import card_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _stream(merchant) -> list[tuple[int, str]]:
    return list(
        Event.objects.filter(merchant=merchant).order_by("sequence").values_list("sequence", "type")
    )


@pytest.fixture
def buyer():
    user = UserFactory(email="ann.buyer@example.com")
    funded_wallet(user, 100_000)
    return user


def test_an_order_of_two_merchants_tells_each_about_its_own_lines_only(buyer):
    ada, bo = MerchantFactory(), MerchantFactory()
    ada_card = ProductFactory(merchant=ada, name="Ada's card", price=1000)
    bo_card = ProductFactory(merchant=bo, name="Bo's card", price=2500)

    order = place_order(buyer, [(ada_card, 2), (bo_card, 1)])

    events = {event.merchant_id: event for event in Event.objects.all()}
    assert set(events) == {ada.pk, bo.pk}
    ada_order, bo_order = events[ada.pk].data["order"], events[bo.pk].data["order"]
    assert ada_order["id"] == bo_order["id"] == str(order.pk)
    assert [(i["name"], i["subtotal"]) for i in ada_order["items"]] == [("Ada's card", 2000)]
    assert [(i["name"], i["subtotal"]) for i in bo_order["items"]] == [("Bo's card", 2500)]
    assert (ada_order["amount"], bo_order["amount"]) == (2000, 2500)
    for event in events.values():
        assert "ann.buyer" not in str(event.data)
        assert str(buyer.pk) not in str(event.data)


def test_the_relay_numbers_each_merchants_events_from_one_without_a_gap(buyer):
    ada, bo = MerchantFactory(), MerchantFactory()
    ada_card, bo_card = ProductFactory(merchant=ada), ProductFactory(merchant=bo)
    place_order(buyer, [(ada_card, 1)])
    place_order(buyer, [(bo_card, 1), (ada_card, 1)])
    assert Event.objects.filter(sequence__isnull=True).count() == 3

    assert events_relay() == 3
    place_order(buyer, [(bo_card, 1)])
    assert events_relay() == 1
    assert events_relay() == 0

    assert _stream(ada) == [(1, "order.paid"), (2, "order.paid")]
    assert _stream(bo) == [(1, "order.paid"), (2, "order.paid")]


def test_the_relay_numbers_in_the_order_the_rows_were_written_across_batches(buyer):
    merchant = MerchantFactory()
    product = ProductFactory(merchant=merchant, stock=20)
    orders = [place_order(buyer, [(product, 1)]) for _ in range(7)]

    assert events_relay(batch_size=3) == 7

    numbered = Event.objects.filter(merchant=merchant).order_by("sequence")
    assert [e.data["order"]["id"] for e in numbered] == [str(o.pk) for o in orders]
    assert [e.sequence for e in numbered] == list(range(1, 8))


def test_every_lifecycle_change_of_an_order_is_an_event(buyer):
    merchant = MerchantFactory()
    product = ProductFactory(merchant=merchant, stock=5)
    paid = place_order(buyer, [(product, 1)])
    order_fulfill(order=paid, actor=merchant)
    unpaid = card_order(buyer, product)
    order_cancel(order=unpaid, actor=buyer, reason="changed my mind")
    client_for(merchant).post(
        f"/api/v1/orders/{paid.pk}/refund", {}, format="json", HTTP_IDEMPOTENCY_KEY="r-1"
    )
    events_relay()

    assert [kind for _, kind in _stream(merchant)] == [
        "order.paid",
        "order.fulfilled",
        "order.cancelled",
        "order.refunded",
    ]
    cancelled = Event.objects.get(type="order.cancelled")
    assert cancelled.data["reason"] == "changed my mind"
    assert Event.objects.get(type="order.refunded").data["amount"] == 1000


def test_a_codes_order_that_delivers_itself_is_paid_then_fulfilled(buyer):
    merchant = MerchantFactory()
    product = code_product(codes=["A-1", "A-2", "A-3"], merchant=merchant)

    place_order(buyer, [(product, 1)])
    events_relay()

    assert [kind for _, kind in _stream(merchant)] == ["order.paid", "order.fulfilled"]
    paid = Event.objects.get(type="order.paid")
    assert paid.data["order"]["status"] == "PAID"
    assert "A-1" not in str(Event.objects.values_list("data", flat=True))


def test_the_last_unit_sold_tells_the_merchant_the_product_is_sold_out(buyer):
    merchant = MerchantFactory()
    product = ProductFactory(merchant=merchant, stock=2, name="Last ones")

    place_order(buyer, [(product, 1)])
    assert not Event.objects.filter(type="product.sold_out").exists()
    place_order(buyer, [(product, 1)])

    sold_out = Event.objects.get(type="product.sold_out")
    assert sold_out.merchant_id == merchant.pk
    assert sold_out.data["product"] == {
        "id": str(product.pk),
        "name": "Last ones",
        "delivery_kind": "manual",
        "available": 0,
    }


def test_an_adjustment_to_zero_also_says_sold_out():
    merchant = MerchantFactory()
    product = ProductFactory(merchant=merchant, stock=3)

    stock_adjust(product=product, delta=-3, actor=merchant)

    assert list(Event.objects.values_list("type", flat=True)) == ["product.sold_out"]


def test_codes_running_low_fires_once_when_they_fall_below_the_merchants_threshold(buyer):
    merchant = MerchantFactory()
    product = code_product(
        codes=[f"C-{n}" for n in range(5)], merchant=merchant, codes_low_threshold=3
    )

    place_order(buyer, [(product, 1)])  # 4 left
    place_order(buyer, [(product, 1)])  # 3 left
    assert not Event.objects.filter(type="codes.running_low").exists()
    place_order(buyer, [(product, 1)])  # 2 left: below 3
    place_order(buyer, [(product, 1)])  # 1 left
    code_void(
        product=product, code_id=product.codes.filter(state="available").first().pk, actor=merchant
    )

    low = Event.objects.filter(type="codes.running_low")
    assert [e.data["product"]["available"] for e in low] == [2]
    assert low.get().data["product"]["codes_low_threshold"] == 3
    assert Event.objects.filter(type="product.sold_out").count() == 1


def test_a_product_without_a_threshold_never_runs_low(buyer):
    product = code_product(codes=["X-1", "X-2"])

    place_order(buyer, [(product, 1)])

    assert not Event.objects.filter(type="codes.running_low").exists()


def test_every_event_type_is_documented_with_an_example_payload():
    api_doc = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text()

    missing = [t.name for t in registered() if f"`{t.name}`" not in api_doc]
    assert missing == []
    assert {t.name for t in registered()} >= {
        "order.paid",
        "order.fulfilled",
        "order.refunded",
        "order.cancelled",
        "checkout.completed",
        "checkout.failed",
        "refund.succeeded",
        "refund.failed",
        "product.sold_out",
        "codes.running_low",
    }
    assert all(t.example for t in registered())


def test_sales_while_a_relay_is_queued_send_no_second_relay(
    buyer, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    relay = celery_app.tasks[RELAY_EVENTS]
    monkeypatch.setattr(relay, "apply_async", lambda args, **options: sent.append(args))
    product = ProductFactory(stock=10)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            place_order(buyer, [(product, 1)])
    assert len(sent) == 1
    relay_events_task()  # the queued relay starts, and numbers all three
    assert Event.objects.filter(sequence__isnull=True).count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        place_order(buyer, [(product, 1)])

    assert len(sent) == 2


def test_a_cache_that_does_not_answer_sends_a_relay_after_every_sale(
    buyer, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    relay = celery_app.tasks[RELAY_EVENTS]
    monkeypatch.setattr(relay, "apply_async", lambda args, **options: sent.append(args))
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: None)  # django-redis, Redis down
    product = ProductFactory(stock=10)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            place_order(buyer, [(product, 1)])

    assert len(sent) == 2
