"""Licence keys: generated at payment, checked by the merchant's software
through the public Licence API, revoked by a full refund, held by a dispute,
managed by their merchant alone."""

import logging
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.keys import licence_key
from catalog.models import Licence, Stock
from catalog.tests.factories import licence_product
from conftest import client_for, run_in_threads
from events.models import Event
from orders.models import Order
from orders.tests.factories import place_order
from payments.services import refund_order
from payments.services.simulated_disputes import simulated_dispute_close, simulated_dispute_open
from payments.tests.factories import card_order, pay_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db
KEY = re.compile(r"^KASSA(-[A-Z2-9]{4}){4}$")


@pytest.fixture
def buyer():
    user = UserFactory()
    funded_wallet(user, 100_000)
    return user


def _bought(buyer, quantity=1, **fields):
    product = licence_product(**fields)
    order = place_order(buyer, [(product, quantity)])
    return order, [
        licence_key(licence) for licence in Licence.objects.filter(order_item__order=order)
    ]


def _post(action, body, client=None):
    return (client or APIClient()).post(f"/api/v1/licences/{action}", body, format="json")


def test_a_wallet_purchase_generates_one_distinct_key_per_unit_and_fulfils_the_order(buyer):
    order, keys = _bought(buyer, quantity=3, activation_limit=2, licence_days=30)

    assert order.status == Order.Status.FULFILLED
    assert len(set(keys)) == 3 and all(KEY.match(key) for key in keys)
    licence = Licence.objects.filter(order_item__order=order).first()
    assert licence.activation_limit == 2
    assert abs(licence.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert Stock.objects.get(pk=licence.product_id).available == 7  # units counted as sold


def test_a_card_order_gets_its_keys_when_paid(buyer, django_capture_on_commit_callbacks):
    product = licence_product()
    order = card_order(buyer, product, 2)
    assert not Licence.objects.filter(order_item__order=order).exists()

    pay_order(order, "tok_visa", django_capture_on_commit_callbacks)

    assert Licence.objects.filter(order_item__order=order).count() == 2


def test_activate_validate_deactivate_round_trip(buyer):
    _, [key] = _bought(buyer, activation_limit=3)
    assert _post("validate", {"key": key}).json()["status"] == "inactive"

    activated = _post("activate", {"key": key.lower(), "instance_name": "Ada's laptop"})

    assert activated.status_code == 201, activated.json()
    body = activated.json()
    assert (body["activations"], body["activation_limit"], body["status"]) == (1, 3, "active")
    assert body["product"]["name"].startswith("Gift card")
    instance = body["instance_id"]
    valid = _post("validate", {"key": key, "instance_id": instance}).json()
    assert (valid["valid"], valid["status"], valid["instance"]["name"]) == (
        True,
        "active",
        "Ada's laptop",
    )
    gone = _post("deactivate", {"key": key, "instance_id": instance})
    assert gone.status_code == 200 and gone.json()["activations"] == 0
    after = _post("validate", {"key": key, "instance_id": instance}).json()
    assert (after["valid"], after["status"], after["instance"]) == (False, "inactive", None)
    again = _post("deactivate", {"key": key, "instance_id": instance})
    assert (again.status_code, again.json()["code"]) == (404, "activation_not_found")
    types = list(Event.objects.order_by("id").values_list("type", flat=True))
    assert types[-2:] == ["licence.activated", "licence.deactivated"]


def test_activation_past_the_limit_is_409(buyer):
    _, [key] = _bought(buyer, activation_limit=1)
    _post("activate", {"key": key, "instance_name": "one"})

    refused = _post("activate", {"key": key, "instance_name": "two"})

    assert refused.status_code == 409
    assert refused.json()["code"] == "activation_limit_reached"


def test_an_unlimited_key_activates_any_number_of_times(buyer):
    _, [key] = _bought(buyer, activation_limit=None)

    answers = [_post("activate", {"key": key, "instance_name": f"pc {n}"}) for n in range(5)]

    assert [a.status_code for a in answers] == [201] * 5
    assert answers[-1].json()["activation_limit"] is None


def test_unknown_malformed_and_disabled_keys_are_the_same_404(buyer):
    order, [key] = _bought(buyer)
    licence = Licence.objects.get(order_item__order=order)
    merchant_api = client_for(licence.product.merchant)
    url = f"/api/v1/products/{licence.product_id}/licences/{licence.pk}"
    assert merchant_api.post(f"{url}/disable").json()["status"] == "disabled"

    answers = [
        _post("validate", {"key": candidate})
        for candidate in (key, "KASSA-AAAA-BBBB-CCCC-DDDD", "not a key", "")
    ]

    assert [a.status_code for a in answers[:3]] == [404, 404, 404]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[0].json()["code"] == "licence_not_found"
    assert answers[3].status_code == 400  # an empty key is not a key at all
    assert merchant_api.post(f"{url}/enable").json()["status"] == "inactive"
    assert _post("validate", {"key": key}).json()["valid"] is True


def test_a_full_refund_revokes_the_key(buyer):
    order, [key] = _bought(buyer)
    _post("activate", {"key": key, "instance_name": "pc"})

    refund_order(order=order, amount=None, actor=None, reason="changed mind")

    answer = _post("validate", {"key": key}).json()
    assert (answer["valid"], answer["status"], answer["reason"]) == (False, "revoked", "refunded")
    refused = _post("activate", {"key": key, "instance_name": "pc 2"}).json()
    assert refused["code"] == "licence_revoked"
    revoked = Event.objects.get(type="licence.revoked")
    assert revoked.data["reason"] == "refunded" and key not in str(revoked.data)
    assert Stock.objects.get(pk=Licence.objects.get().product_id).available == 10


def test_a_card_refund_revokes_the_key(buyer, django_capture_on_commit_callbacks):
    order = card_order(buyer, licence_product(), 1)
    pay_order(order, "tok_visa", django_capture_on_commit_callbacks)

    refund_order(order=order, amount=None, actor=None, reason="faulty")

    assert Licence.objects.get(order_item__order=order).state == Licence.State.REVOKED


def test_an_expired_licence_validates_as_expired(buyer):
    order, [key] = _bought(buyer, licence_days=1)
    Licence.objects.filter(order_item__order=order).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    answer = _post("validate", {"key": key}).json()

    assert (answer["valid"], answer["status"]) == (False, "expired")
    refused = _post("activate", {"key": key, "instance_name": "pc"}).json()
    assert refused["code"] == "licence_expired"


def _paid_by_card(django_capture_on_commit_callbacks):
    order = card_order(UserFactory(), licence_product(), 1)
    payment = pay_order(order, "tok_visa", django_capture_on_commit_callbacks)
    return payment, licence_key(Licence.objects.get(order_item__order=order))


def test_a_dispute_disables_the_key_until_it_is_won(django_capture_on_commit_callbacks):
    payment, key = _paid_by_card(django_capture_on_commit_callbacks)

    dispute = simulated_dispute_open(payment=payment, outcome="won", close=False)

    assert _post("validate", {"key": key}).status_code == 404
    assert (Licence.objects.get().state, Licence.objects.get().reason) == ("disabled", "disputed")
    simulated_dispute_close(dispute=dispute, outcome="won")
    assert _post("validate", {"key": key}).json()["valid"] is True


def test_the_merchant_cannot_enable_a_key_a_dispute_disabled(django_capture_on_commit_callbacks):
    payment, _ = _paid_by_card(django_capture_on_commit_callbacks)
    simulated_dispute_open(payment=payment, outcome="won", close=False)
    licence = Licence.objects.get()
    url = f"/api/v1/products/{licence.product_id}/licences/{licence.pk}/enable"

    refused = client_for(licence.product.merchant).post(url)

    assert refused.status_code == 409
    assert refused.json()["code"] == "licence_state_conflict"
    assert "the card payment is disputed" in refused.json()["detail"]


def test_a_lost_dispute_revokes_the_key(django_capture_on_commit_callbacks):
    payment, key = _paid_by_card(django_capture_on_commit_callbacks)
    dispute = simulated_dispute_open(payment=payment, outcome="lost", close=False)

    simulated_dispute_close(dispute=dispute, outcome="lost")

    answer = _post("validate", {"key": key}).json()
    assert (answer["status"], answer["reason"]) == ("revoked", "chargeback")
    assert Event.objects.filter(type="licence.revoked").count() == 1


@override_settings(LICENCE_API_RATE_PER_KEY="3/min")
def test_the_api_is_throttled_per_key_known_or_not():
    answers = [_post("validate", {"key": "KASSA-AAAA-BBBB-CCCC-DDDD"}) for _ in range(4)]

    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert answers[-1].json()["code"] == "throttled"


@override_settings(LICENCE_API_RATE_PER_ADDRESS="3/min")
def test_the_api_is_throttled_per_address_whatever_the_key():
    answers = [_post("validate", {"key": f"KASSA-AAAA-BBBB-CCCC-DDD{n}"}) for n in range(2, 6)]

    assert [a.status_code for a in answers] == [404, 404, 404, 429]


def test_the_key_is_nowhere_in_the_raw_column_nor_in_any_log_line(
    buyer, caplog, capsys, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        order, [key] = _bought(buyer)
        _post("activate", {"key": key, "instance_name": "pc"})
        _post("validate", {"key": key})
    licence = Licence.objects.get(order_item__order=order)
    client_for(licence.product.merchant).get(f"/api/v1/products/{licence.product_id}/licences")
    client_for(buyer).get(f"/orders/{order.pk}/")

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM catalog_licence")
        raw = repr(cursor.fetchall())
    assert key not in raw and key.split("-", 1)[1] not in raw
    captured = capsys.readouterr()
    assert key not in caplog.text
    assert key not in captured.out + captured.err


def test_the_merchant_lists_masked_keys_and_resets_activations_with_an_api_key(buyer):
    order, [key] = _bought(buyer, activation_limit=2)
    licence = Licence.objects.get(order_item__order=order)
    merchant = licence.product.merchant
    _post("activate", {"key": key, "instance_name": "pc"})
    write = client_for(merchant)
    token = write.post(
        "/api/v1/api-keys", {"name": "ops", "scopes": ["read", "write"]}, format="json"
    )
    reader = write.post("/api/v1/api-keys", {"name": "ro", "scopes": ["read"]}, format="json")
    url = f"/api/v1/products/{licence.product_id}/licences"

    listed = _with_key(token.json()["key"]).get(url).json()["results"]

    assert listed[0]["key"] == "KASSA-••••-••••-••••-" + key[-4:]
    assert [i["name"] for i in listed[0]["instances"]] == ["pc"]
    read_only = _with_key(reader.json()["key"])
    assert read_only.get(url).status_code == 200
    assert read_only.post(f"{url}/{licence.pk}/reset-activations").status_code == 403
    reset = _with_key(token.json()["key"]).post(f"{url}/{licence.pk}/reset-activations")
    assert reset.json()["activations"] == 0
    assert reset.json()["instances"][0]["deactivated_at"] is not None


def _with_key(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_another_merchants_licences_are_404(buyer):
    order, _ = _bought(buyer)
    licence = Licence.objects.get(order_item__order=order)
    stranger = client_for(MerchantFactory())
    url = f"/api/v1/products/{licence.product_id}/licences"

    assert stranger.get(url).status_code == 404
    assert stranger.post(f"{url}/{licence.pk}/disable").status_code == 404
    assert client_for(buyer).get(url).status_code == 404
    assert Licence.objects.get().state == Licence.State.ACTIVE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_activations_of_a_key_with_limit_three_admit_exactly_three():
    buyer = UserFactory()
    funded_wallet(buyer, 100_000)
    _, [key] = _bought(buyer, activation_limit=3)

    answers = run_in_threads(
        lambda n: _post("activate", {"key": key, "instance_name": f"machine {n}"}),
        [(n,) for n in range(20)],
    )

    codes = sorted(answer.status_code for answer in answers)
    assert codes == [201] * 3 + [409] * 17
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {
        "activation_limit_reached"
    }
    licence = Licence.objects.get()
    assert licence.activation_count == 3 == licence.activations.count()
