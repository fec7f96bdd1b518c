"""What a buyer gets, and when, as the pages say it: the delivery wording on
cards, product pages, the cart and the order; the merchant's fulfilment note;
cover images and their placeholders."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.tests.factories import UserFactory
from catalog.services import product_image_replace
from catalog.tests.factories import ProductFactory, code_product, download_product, image_upload
from orders.models import Order
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _img_tags(response) -> list[str]:
    return re.findall(r"<img [^>]*>", response.content.decode())


@pytest.fixture
def three_kinds():
    return {
        "manual": ProductFactory(name="Logo design"),
        "codes": code_product(codes=["CARD-0001"], name="Steam card"),
        "download": download_product(name="Field guide"),
    }


def test_every_card_says_how_the_buyer_gets_it(client, three_kinds):
    text = _text(client.get("/"))

    for name, wording in [
        ("Logo design", "Sent by the merchant"),
        ("Steam card", "Instant code"),
        ("Field guide", "Download"),
    ]:
        assert re.search(f"{name} .*?{wording}", text), (name, wording)


def test_the_product_page_says_how_and_when(client, three_kinds):
    manual = _text(client.get(f"/products/{three_kinds['manual'].pk}/"))
    codes = _text(client.get(f"/products/{three_kinds['codes'].pk}/"))

    assert re.search("Sent by the merchant ?: .* sends it to you by hand after you pay", manual)
    assert re.search("Instant code ?: delivered at once", codes)


def test_the_cart_says_how_each_line_is_delivered(three_kinds):
    client = _logged_in(UserFactory())
    for product in three_kinds.values():
        client.post("/cart/add/", {"product_id": product.pk, "quantity": 1})

    text = _text(client.get("/cart/"))

    assert "Logo design Sent by the merchant" in text
    assert "Steam card Instant code" in text
    assert "Field guide Download" in text


def test_a_paid_hand_delivered_order_says_what_happens_next(three_kinds):
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    order = place_order(buyer, [(three_kinds["manual"], 1), (three_kinds["codes"], 1)])

    text = _text(_logged_in(buyer).get(f"/orders/{order.pk}/"))

    assert order.status == Order.Status.PAID
    assert "Sent by the merchant Logo design" in text
    assert "the merchant now sends it to you by hand" in text
    assert "you get an email that your order is ready" in text
    assert "Steam card Instant code" in text  # the items table


def test_the_fulfilment_note_is_on_the_order_page_and_in_the_ready_email(
    django_capture_on_commit_callbacks,
):
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(name="Logo design")
    order = place_order(buyer, [(product, 1)])
    merchant = _logged_in(product.merchant)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        fulfilled = merchant.post(
            f"/dashboard/sales/{order.pk}/fulfil/",
            {"note": "Your files: https://example.com/logo"},
            follow=True,
        )

    assert "Order fulfilled." in fulfilled.content.decode()
    page = _logged_in(buyer).get(f"/orders/{order.pk}/").content.decode()
    assert '<label for="fulfilment-note">Code or message from the merchant</label>' in page
    assert "Your files: https://example.com/logo</textarea>" in page
    (email,) = [m for m in mail.outbox if m.subject == "Your order is ready"]
    assert "Your files: https://example.com/logo" in email.body


def test_the_sales_page_offers_the_note_with_fulfil(three_kinds):
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = three_kinds["manual"]
    order = place_order(buyer, [(product, 1)])

    page = _logged_in(product.merchant).get("/dashboard/sales/").content.decode()

    assert f'<label for="note-{order.pk}">Code or message for the buyer</label>' in page


def test_catalog_cards_and_the_product_page_offer_every_width_lazily(client):
    product = ProductFactory(name="Sunset poster")
    product_image_replace(product=product, upload=image_upload(1600, 1200))

    for page in (client.get("/"), client.get(f"/products/{product.pk}/")):
        (img,) = [tag for tag in _img_tags(page) if 'alt="Sunset poster"' in tag]
        assert re.search(r'srcset="[^"]+-320\.webp 320w, [^"]+-640\.webp 640w, [^"]+ 1280w"', img)
        assert 'sizes="' in img
        assert 'loading="lazy"' in img
        assert 'width="640" height="480"' in img


def test_a_product_without_an_image_shows_its_kinds_placeholder(client, three_kinds):
    tags = _img_tags(client.get("/"))
    product_page = _img_tags(client.get(f"/products/{three_kinds['codes'].pk}/"))

    placeholders = {re.search(r"placeholders/(\w+)\.svg", tag).group(1) for tag in tags}
    assert placeholders == {"manual", "codes", "download"}
    assert all('alt=""' in tag and 'loading="lazy"' in tag for tag in tags)
    assert "placeholders/codes.svg" in product_page[0]


def test_the_dashboard_uploads_a_cover_and_explains_a_refused_one(merchant):
    product = ProductFactory(merchant=merchant)
    client = _logged_in(merchant)
    url = f"/dashboard/products/{product.pk}/image/"

    refused = client.post(url, {"image": SimpleUploadedFile("cv.pdf", b"%PDF-1.4 not a picture")})
    saved = client.post(url, {"image": image_upload(900, 600)}, follow=True)

    assert refused.status_code == 400
    assert "This file is not an image Kassa can use" in refused.content.decode()
    assert 'role="alert"' in refused.content.decode()
    assert "Cover image saved." in saved.content.decode()
    product.refresh_from_db()
    assert product.image_widths == [320, 640]
