"""A product's cover image through the API: PUT /products/{id}/image (multipart
`image`), its refusals' codes, and the covers served to anyone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import MerchantFactory
from catalog.tests.factories import ProductFactory, download_product, image_upload
from conftest import client_for

pytestmark = pytest.mark.django_db


def _image_url(product):
    return f"/api/v1/products/{product.pk}/image"


def _put(client, product, upload):
    return client.put(_image_url(product), {"image": upload}, format="multipart")


def test_a_merchant_uploads_a_cover_and_the_product_lists_its_sizes(
    merchant_client, merchant, api_client
):
    product = ProductFactory(merchant=merchant)

    answer = _put(merchant_client, product, image_upload(1600, 1200))

    assert answer.status_code == 200, answer.json()
    image = answer.json()["image"]
    assert [(f["width"], f["height"]) for f in image["files"]] == [
        (320, 240),
        (640, 480),
        (1280, 960),
    ]
    assert image["src"].startswith("http://testserver/media/images/products/")
    assert image["srcset"].endswith(" 1280w")
    # Public: the catalog's visitors get the same covers.
    assert api_client.get(f"/api/v1/products/{product.pk}").json()["image"] == image


def test_a_cover_is_served_to_anyone_and_kept_by_browsers(merchant_client, merchant, client):
    product = ProductFactory(merchant=merchant)
    image = _put(merchant_client, product, image_upload(800, 600)).json()["image"]

    served = client.get(image["src"].removeprefix("http://testserver"))

    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert "immutable" in served["Cache-Control"]
    assert b"".join(served.streaming_content)[8:12] == b"WEBP"


def test_download_files_beside_the_covers_are_never_served_as_media(client):
    product = download_product(content=b"the paid-for file")

    answer = client.get(f"/media/{product.download_file.name}")
    sneaking = client.get("/media/images/../" + product.download_file.name)
    encoded = client.get("/media/images/%2E%2E/" + product.download_file.name)

    assert answer.status_code == sneaking.status_code == encoded.status_code == 404


def test_a_file_that_is_not_an_image_is_400_image_invalid(merchant_client, merchant):
    product = ProductFactory(merchant=merchant)

    answer = _put(merchant_client, product, SimpleUploadedFile("cover.png", b"not a picture"))

    assert answer.status_code == 400
    assert answer.json()["code"] == "image_invalid"
    assert merchant_client.get(f"/api/v1/products/{product.pk}").json()["image"] is None


def test_an_image_over_the_limit_is_413_image_too_large(merchant_client, merchant, settings):
    settings.MAX_IMAGE_BYTES = 2000
    product = ProductFactory(merchant=merchant)

    answer = _put(merchant_client, product, image_upload(800, 600))

    assert answer.status_code == 413
    assert answer.json()["code"] == "image_too_large"
    assert "2000" in str(answer.json())  # max_bytes, for the client to show


def test_an_upload_without_the_image_field_is_a_validation_error(merchant_client, merchant):
    product = ProductFactory(merchant=merchant)

    answer = merchant_client.put(_image_url(product), {}, format="multipart")

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"


def test_another_merchants_product_is_out_of_reach(merchant):
    product = ProductFactory(merchant=merchant)

    answer = _put(client_for(MerchantFactory()), product, image_upload(400, 300))

    assert answer.status_code == 403


def test_delete_puts_the_product_back_on_its_placeholder(merchant_client, merchant):
    product = ProductFactory(merchant=merchant)
    _put(merchant_client, product, image_upload(400, 300))

    answer = merchant_client.delete(_image_url(product))

    assert answer.status_code == 200
    assert answer.json()["image"] is None
