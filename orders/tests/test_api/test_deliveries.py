"""Delivery on payment: codes and download grants handed over in the transaction
that makes the order PAID, seen only by the buyer, burned by a refund."""

import logging

import pytest
from django.core import mail

from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from catalog.models import ProductCode, Stock
from catalog.tests.factories import ProductFactory, code_product, download_product
from conftest import client_for
from orders.models import DownloadGrant, Order
from orders.services import order_cancel
from orders.tests.factories import place_order
from payments.services import refund_order
from payments.tests.factories import card_order, pay_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db
CODES = ["AAAA-1111", "BBBB-2222", "CCCC-3333"]


@pytest.fixture
def buyer():
    user = UserFactory()
    funded_wallet(user, 100_000)
    return user


def _deliveries(user, order):
    return client_for(user).get(f"/api/v1/orders/{order.pk}/deliveries")


def test_a_wallet_purchase_delivers_codes_at_once_and_fulfils_the_order(buyer):
    product = code_product(codes=CODES)

    order = place_order(buyer, [(product, 2)])

    assert order.status == Order.Status.FULFILLED
    assert order.events.order_by("id").last().reason == "delivered"
    answer = _deliveries(buyer, order)
    assert answer.status_code == 200
    assert answer.json() == [
        {
            "line_id": order.items.get().pk,
            "product_id": str(product.pk),
            "name": product.name,
            "kind": "codes",
            "codes": ["AAAA-1111", "BBBB-2222"],
        }
    ]
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.reserved, stock.sold) == (1, 0, 2)


def test_the_merchant_and_admins_see_masked_codes_and_strangers_nothing(buyer):
    product = code_product(codes=CODES)
    order = place_order(buyer, [(product, 1)])

    seen_by_merchant = _deliveries(product.merchant, order).json()[0]["codes"]
    seen_by_admin = _deliveries(AdminFactory(), order).json()[0]["codes"]
    stranger = _deliveries(UserFactory(), order)
    other_merchant = _deliveries(MerchantFactory(), order)

    assert seen_by_merchant == seen_by_admin == ["AAAA-••••"]
    assert stranger.status_code == other_merchant.status_code == 404


def test_a_mixed_order_delivers_the_codes_and_waits_for_the_merchant(buyer):
    codes = code_product(codes=CODES)
    manual = ProductFactory()

    order = place_order(buyer, [(codes, 1), (manual, 1)])

    assert order.status == Order.Status.PAID
    kinds = [delivery["kind"] for delivery in _deliveries(buyer, order).json()]
    assert kinds == ["codes"]


def test_a_card_order_reserves_its_codes_and_delivers_them_when_paid(
    buyer, django_capture_on_commit_callbacks
):
    product = code_product(codes=CODES)

    order = card_order(buyer, product, 2)

    reserved = ProductCode.objects.filter(state="reserved", order_item__order=order)
    assert reserved.count() == 2
    assert _deliveries(buyer, order).json()[0]["codes"] == []  # nothing before payment
    payment = pay_order(order, "tok_visa", django_capture_on_commit_callbacks)
    assert order.status == Order.Status.FULFILLED
    assert (payment.status, payment.late_capture) == ("SUCCEEDED", False)  # kept, not refunded
    assert _deliveries(buyer, order).json()[0]["codes"] == ["AAAA-1111", "BBBB-2222"]
    assert [e.to_status for e in order.events.order_by("id")][-2:] == ["PAID", "FULFILLED"]


def test_a_cancelled_card_order_gives_its_codes_back(buyer):
    product = code_product(codes=CODES)
    order = card_order(buyer, product, 3)

    order_cancel(order=order, actor=buyer)

    assert set(product.codes.values_list("state", flat=True)) == {"available"}
    assert not product.codes.filter(order_item__isnull=False).exists()
    assert Stock.objects.get(pk=product.pk).available == 3


def test_a_refund_burns_delivered_codes_so_they_are_never_sold_again(buyer):
    product = code_product(codes=CODES)
    order = place_order(buyer, [(product, 2)])

    refund_order(order=order, amount=None, actor=product.merchant, reason="changed mind")

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert list(product.codes.order_by("id").values_list("state", flat=True)) == [
        "voided",
        "voided",
        "available",
    ]
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.reserved, stock.sold) == (1, 0, 0)
    assert _deliveries(buyer, order).json()[0]["codes"] == ["AAAA-••••", "BBBB-••••"]
    second = place_order(buyer, [(product, 1)])
    assert _deliveries(buyer, second).json()[0]["codes"] == ["CCCC-3333"]


def test_a_card_refund_burns_the_codes_too(buyer, django_capture_on_commit_callbacks):
    product = code_product(codes=CODES)
    order = card_order(buyer, product, 1)
    pay_order(order, "tok_visa", django_capture_on_commit_callbacks)

    refund_order(order=order, amount=None, actor=product.merchant, reason="faulty")

    assert product.codes.get(order_item__order=order).state == "voided"
    assert Stock.objects.get(pk=product.pk).sold == 0


def test_the_buyer_is_emailed_without_the_codes(buyer, django_capture_on_commit_callbacks):
    product = code_product(codes=CODES)

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(buyer, [(product, 1)])

    ready = [message for message in mail.outbox if message.subject == "Your order is ready"]
    assert len(ready) == 1
    message = ready[0]
    assert message.to == [buyer.email]
    assert f"/orders/{order.pk}/" in message.body
    assert "AAAA-1111" not in message.body


def test_no_log_line_ever_holds_a_code(
    caplog, capsys, merchant, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    secret = "LOGTEST-SECRET-9876"
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    merchant_api, buyer_api = client_for(merchant), client_for(buyer)
    created = merchant_api.post(
        "/api/v1/products", {"name": "Key", "price": 500, "delivery_kind": "codes"}, format="json"
    ).json()
    merchant_api.post(
        f"/api/v1/products/{created['id']}/codes", {"codes": [secret, secret]}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        placed = buyer_api.post(
            "/api/v1/orders",
            {"items": [{"product_id": created["id"], "quantity": 1}], "payment_method": "WALLET"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="log-test",
        ).json()
    seen = buyer_api.get(f"/api/v1/orders/{placed['id']}/deliveries").json()
    merchant_api.get(f"/api/v1/products/{created['id']}/codes")
    admin_view = client_for(AdminFactory()).get("/admin/catalog/productcode/")

    assert seen[0]["codes"] == [secret]  # the flow really handled the code
    assert admin_view.status_code in (200, 302)
    captured = capsys.readouterr()
    assert secret not in caplog.text
    assert secret not in captured.out + captured.err
    assert all(secret not in message.body for message in mail.outbox)


# --- downloads -----------------------------------------------------------------------


@pytest.fixture
def bought_download(buyer):
    product = download_product(content=b"the whole handbook", filename="Handbook 2026.pdf")
    order = place_order(buyer, [(product, 1)])
    return order, _deliveries(buyer, order).json()[0]


def test_a_download_purchase_is_fulfilled_with_a_link(buyer, bought_download):
    order, delivery = bought_download

    assert order.status == Order.Status.FULFILLED
    assert delivery["kind"] == "download"
    assert delivery["download_url"].startswith("http://testserver/downloads/")
    assert delivery["downloads_left"] == 5


def test_a_download_link_works_five_times_then_answers_410(client, buyer, bought_download):
    _, delivery = bought_download
    client.force_login(buyer)

    answers = [client.get(delivery["download_url"]) for _ in range(6)]

    assert [a.status_code for a in answers] == [200] * 5 + [410]
    first = answers[0]
    assert b"".join(first.streaming_content) == b"the whole handbook"
    assert first["Content-Disposition"].startswith("attachment")
    assert "Handbook 2026.pdf" in first["Content-Disposition"]
    assert DownloadGrant.objects.get().downloads_used == 5


def test_a_bearer_token_downloads_too(buyer, bought_download):
    _, delivery = bought_download

    answer = client_for(buyer).get(delivery["download_url"])

    assert answer.status_code == 200


def test_a_tampered_link_is_404_and_someone_elses_link_is_refused(client, buyer, bought_download):
    _, delivery = bought_download
    tampered = delivery["download_url"][:-3] + (
        "aaa" if not delivery["download_url"].endswith("aaa") else "bbb"
    )
    stranger = UserFactory()

    client.force_login(buyer)
    assert client.get(tampered).status_code == 404
    client.force_login(stranger)
    assert client.get(delivery["download_url"]).status_code == 404
    assert DownloadGrant.objects.get().downloads_used == 0
    anonymous = client_for(stranger).__class__().get(delivery["download_url"])
    assert anonymous.status_code == 302  # to the login page


def test_an_expired_link_is_410(client, buyer, bought_download, monkeypatch):
    _, delivery = bought_download
    client.force_login(buyer)
    DownloadGrant.objects.update(expires_at="2000-01-01T00:00:00Z")

    assert client.get(delivery["download_url"]).status_code == 410


def test_a_link_older_than_its_signature_allows_is_410(client, buyer, bought_download, monkeypatch):
    _, delivery = bought_download
    client.force_login(buyer)
    import time

    later = time.time() + 25 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    assert client.get(delivery["download_url"]).status_code == 410


def test_a_new_link_replaces_the_old_one(client, buyer, bought_download):
    order, old = bought_download
    client.force_login(buyer)

    renewed = client_for(buyer).post(f"/api/v1/orders/{order.pk}/deliveries/{old['line_id']}/link")

    assert renewed.status_code == 201
    assert renewed.json()["download_url"] != old["download_url"]
    assert client.get(old["download_url"]).status_code == 410
    assert client.get(renewed.json()["download_url"]).status_code == 200
    merchant_try = client_for(order.items.get().merchant).post(
        f"/api/v1/orders/{order.pk}/deliveries/{old['line_id']}/link"
    )
    assert merchant_try.status_code == 403


def test_a_refund_ends_the_download(client, buyer, bought_download):
    order, delivery = bought_download
    client.force_login(buyer)

    refund_order(order=order, amount=None, actor=None, reason="refund")

    assert client.get(delivery["download_url"]).status_code == 410
    assert _deliveries(buyer, order).json()[0]["download_url"] is None


def test_unlimited_downloads_never_run_out_of_stock(buyer):
    product = download_product(stock=0, unlimited_stock=True)

    orders = [place_order(buyer, [(product, 3)]) for _ in range(3)]

    assert all(order.status == Order.Status.FULFILLED for order in orders)
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.available, stock.sold) == (0, 9)


def test_a_file_the_storage_lost_is_503_and_costs_no_download(client, buyer, bought_download):
    order, delivery = bought_download
    product = order.items.get().product
    product.download_file.storage.delete(product.download_file.name)
    client.force_login(buyer)

    answer = client.get(delivery["download_url"])

    assert answer.status_code == 503
    assert "not available right now" in answer.content.decode()
    assert DownloadGrant.objects.get().downloads_used == 0


def test_the_ready_email_is_retried_when_the_mail_server_fails(
    buyer, django_capture_on_commit_callbacks, monkeypatch
):
    from smtplib import SMTPServerDisconnected

    from orders.services import delivery

    real_send, calls = delivery.send_mail, []

    def flaky_send(**kwargs):
        calls.append(kwargs["subject"])
        if len(calls) == 1:
            raise SMTPServerDisconnected("the relay hung up")
        return real_send(**kwargs)

    monkeypatch.setattr(delivery, "send_mail", flaky_send)
    product = code_product(codes=CODES)

    with django_capture_on_commit_callbacks(execute=True):
        place_order(buyer, [(product, 1)])

    assert calls == ["Your order is ready", "Your order is ready"]
    ready = [message for message in mail.outbox if message.subject == "Your order is ready"]
    assert len(ready) == 1
