"""A download product's file: uploaded through the storage API, size-limited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from catalog.models import Product, Stock
from catalog.tests.factories import ProductFactory
from conftest import client_for

pytestmark = pytest.mark.django_db


def _file_url(product):
    return f"/api/v1/products/{product.pk}/file"


def test_a_merchant_uploads_and_replaces_the_file(
    merchant_client, merchant, django_capture_on_commit_callbacks
):
    product = ProductFactory(merchant=merchant, delivery_kind="download")

    first = merchant_client.put(
        _file_url(product),
        {"file": SimpleUploadedFile("guide-v1.pdf", b"version one")},
        format="multipart",
    )
    old_name = Product.objects.get(pk=product.pk).download_file.name
    with django_capture_on_commit_callbacks(execute=True):
        second = merchant_client.put(
            _file_url(product),
            {"file": SimpleUploadedFile("guide-v2.pdf", b"version two!")},
            format="multipart",
        )

    assert first.status_code == 200, first.json()
    assert second.json()["download_name"] == "guide-v2.pdf"
    assert second.json()["download_size"] == 12
    stored = Product.objects.get(pk=product.pk).download_file
    assert stored.read() == b"version two!"
    assert not stored.storage.exists(old_name)  # the replaced file is gone


def test_a_file_over_the_limit_is_refused_with_413(merchant_client, merchant):
    product = ProductFactory(merchant=merchant, delivery_kind="download")

    with override_settings(MAX_DOWNLOAD_BYTES=1024):
        answer = merchant_client.put(
            _file_url(product),
            {"file": SimpleUploadedFile("big.bin", b"x" * 2048)},
            format="multipart",
        )

    assert answer.status_code == 413
    assert answer.json()["code"] in {"file_too_large", "request_too_large"}
    assert not Product.objects.get(pk=product.pk).download_file


def test_a_file_just_under_the_limit_passes_the_body_guard_and_the_size_check(
    merchant_client, merchant
):
    product = ProductFactory(merchant=merchant, delivery_kind="download")

    with override_settings(MAX_DOWNLOAD_BYTES=2_000_000):
        too_big = merchant_client.put(
            _file_url(product),
            {"file": SimpleUploadedFile("a.bin", b"x" * 2_000_001)},
            format="multipart",
        )
        fits = merchant_client.put(
            _file_url(product),
            {"file": SimpleUploadedFile("a.bin", b"x" * 2_000_000)},
            format="multipart",
        )

    assert too_big.status_code == 413
    assert too_big.json()["code"] == "file_too_large"
    assert fits.status_code == 200


def test_only_the_owner_uploads_and_only_to_a_download_product(
    customer_client, merchant_client, merchant
):
    download = ProductFactory(delivery_kind="download")
    manual = ProductFactory(merchant=merchant)
    upload = {"file": SimpleUploadedFile("x.pdf", b"x")}

    assert customer_client.put(_file_url(download), upload, format="multipart").status_code == 403
    wrong = merchant_client.put(
        _file_url(manual), {"file": SimpleUploadedFile("x.pdf", b"x")}, format="multipart"
    )
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "wrong_delivery_kind"


def test_a_download_product_without_its_file_cannot_be_bought(customer_client):
    product = ProductFactory(delivery_kind="download")
    answer = customer_client.post(
        "/api/v1/orders",
        {"items": [{"product_id": str(product.pk), "quantity": 1}], "payment_method": "CARD"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="no-file-yet",
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "product_unavailable"


def test_unlimited_stock_sells_without_counting_down(merchant):
    product = ProductFactory(merchant=merchant, delivery_kind="download", stock=0)
    client = client_for(merchant)

    made_unlimited = client.patch(
        f"/api/v1/products/{product.pk}", {"unlimited_stock": True}, format="json"
    )
    manual = ProductFactory(merchant=merchant)
    refused = client.patch(
        f"/api/v1/products/{manual.pk}", {"unlimited_stock": True}, format="json"
    )
    adjust = client.patch(f"/api/v1/inventory/{product.pk}", {"adjust": 3}, format="json")

    assert made_unlimited.json()["unlimited_stock"] is True
    assert refused.json()["code"] == "wrong_delivery_kind"
    assert adjust.json()["code"] == "stock_unlimited"
    assert Stock.objects.get(pk=product.pk).available == 0
