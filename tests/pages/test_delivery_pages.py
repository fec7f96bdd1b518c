"""The pages around digital delivery, over HTTP as their users see them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.models import Stock
from catalog.tests.factories import ProductFactory, code_product, download_product
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def test_codes_come_from_a_csv_file_with_a_header(client, merchant):
    product = ProductFactory(merchant=merchant, stock=0, delivery_kind="codes")
    client.force_login(merchant)
    csv_file = SimpleUploadedFile(
        "codes.csv", b"\xef\xbb\xbfcode\nCSV-0001\nCSV-0002\n\nCSV-0003\n"
    )

    answer = client.post(
        f"/dashboard/products/{product.pk}/codes/", {"codes_file": csv_file}, follow=True
    )

    assert "Added 3 codes; 3 on sale." in answer.content.decode()
    assert Stock.objects.get(pk=product.pk).available == 3
    assert "CSV-0001" not in answer.content.decode()  # the list is masked


def test_an_empty_upload_or_an_over_long_code_is_explained(client, merchant):
    product = ProductFactory(merchant=merchant, stock=0, delivery_kind="codes")
    client.force_login(merchant)

    empty = client.post(f"/dashboard/products/{product.pk}/codes/", {"codes": "  \n"})
    too_long = client.post(f"/dashboard/products/{product.pk}/codes/", {"codes": "A\n" + "B" * 200})

    assert empty.status_code == too_long.status_code == 400
    assert "Paste at least one code" in empty.content.decode()
    assert "see code 2" in too_long.content.decode()


def test_another_merchants_codes_and_files_are_out_of_reach(client):
    """403, as the API answers for another merchant's product."""
    product = code_product(codes=["OWN-0001"])
    download = download_product()
    client.force_login(MerchantFactory())

    assert client.get(f"/dashboard/products/{product.pk}/codes/").status_code == 403
    code = product.codes.get()
    assert client.post(f"/dashboard/products/{product.pk}/codes/{code.pk}/void/").status_code == 403
    upload = {"file": SimpleUploadedFile("evil.pdf", b"x")}
    assert client.post(f"/dashboard/products/{download.pk}/file/", upload).status_code == 403
    code.refresh_from_db()
    assert code.state == "available"


def test_a_file_over_the_limit_is_refused_on_the_dashboard(client, merchant):
    product = ProductFactory(merchant=merchant, delivery_kind="download")
    client.force_login(merchant)

    with override_settings(MAX_DOWNLOAD_BYTES=10):
        answer = client.post(
            f"/dashboard/products/{product.pk}/file/",
            {"file": SimpleUploadedFile("big.bin", b"x" * 11)},
            follow=True,
        )

    assert "Files may be at most" in answer.content.decode()
    product.refresh_from_db()
    assert not product.download_file


def test_the_order_page_shows_codes_to_the_buyer_only(client):
    product = code_product(codes=["PAGE-1234-5678"])
    buyer = UserFactory()
    funded_wallet(buyer, 5_000)
    order = place_order(buyer, [(product, 1)])

    client.force_login(buyer)
    mine = client.get(f"/orders/{order.pk}/").content.decode()
    client.force_login(UserFactory())
    theirs = client.get(f"/orders/{order.pk}/")

    assert 'value="PAGE-1234-5678"' in mine
    assert ">Copy</button>" in mine
    assert theirs.status_code == 404
    assert "PAGE-1234-5678" not in theirs.content.decode()


def test_a_code_product_without_codes_is_sold_out_and_a_download_without_a_file_is_not_on_sale(
    client,
):
    codes = ProductFactory(stock=0, delivery_kind="codes")
    no_file = ProductFactory(delivery_kind="download")

    assert "Sold out" in client.get(f"/products/{codes.pk}/").content.decode()
    page = client.get(f"/products/{no_file.pk}/").content.decode()
    assert "Not on sale yet." in page
    assert "Add to cart" not in page


def test_an_unlimited_download_is_in_stock(client):
    product = download_product(stock=0, unlimited_stock=True)

    page = client.get(f"/products/{product.pk}/").content.decode()

    assert "In stock" in page
    assert "Add to cart" in page
