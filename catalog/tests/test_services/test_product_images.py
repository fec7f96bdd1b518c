"""A cover image is cut into fixed widths on upload, and anything that is not
a usable image is refused before a byte is stored."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.images import image_file_name, product_image
from catalog.services import product_image_remove, product_image_replace
from catalog.tests.factories import ProductFactory, image_upload
from core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


def _stored_sizes(product) -> list[tuple[int, int, str]]:
    sizes = []
    for width in product.image_widths:
        with default_storage.open(image_file_name(product.image_name, width)) as stored:
            picture = Image.open(stored)
            sizes.append((*picture.size, picture.format))
    return sizes


def test_an_upload_is_cut_to_4_3_webp_in_every_width():
    product = ProductFactory()

    product_image_replace(product=product, upload=image_upload(2000, 1000))

    product.refresh_from_db()
    assert product.image_widths == [320, 640, 1280]
    assert _stored_sizes(product) == [(320, 240, "WEBP"), (640, 480, "WEBP"), (1280, 960, "WEBP")]


def test_a_small_upload_is_never_scaled_up():
    product = ProductFactory()

    product_image_replace(product=product, upload=image_upload(700, 700, fmt="JPEG"))

    assert product.image_widths == [320, 640]


def test_an_upload_narrower_than_every_width_keeps_its_own():
    product = ProductFactory()

    product_image_replace(product=product, upload=image_upload(200, 150))

    assert _stored_sizes(product) == [(200, 150, "WEBP")]


def test_the_page_gets_a_srcset_of_every_width_and_the_640_one_as_src():
    product = ProductFactory()
    product_image_replace(product=product, upload=image_upload(1600, 1200))

    image = product_image(product)

    assert (image["width"], image["height"]) == (640, 480)
    assert image["src"].endswith("-640.webp")
    assert [part.split()[-1] for part in image["srcset"].split(", ")] == ["320w", "640w", "1280w"]


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("notes.png", b"this is not a picture at all"),
        SimpleUploadedFile("cover.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ],
    ids=["text", "svg"],
)
def test_a_file_that_is_not_an_image_is_refused(upload):
    product = ProductFactory()

    with pytest.raises(ApplicationError) as refused:
        product_image_replace(product=product, upload=upload)

    assert refused.value.code == "image_invalid"
    product.refresh_from_db()
    assert (product.image_name, product_image(product)) == ("", None)


def test_a_truncated_image_is_refused():
    whole = image_upload(800, 600, fmt="JPEG").read()
    product = ProductFactory()

    with pytest.raises(ApplicationError) as refused:
        product_image_replace(
            product=product, upload=SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2])
        )

    assert refused.value.code == "image_invalid"


def test_an_upload_past_max_image_bytes_is_refused(settings):
    settings.MAX_IMAGE_BYTES = 1000
    product = ProductFactory()

    with pytest.raises(ApplicationError) as refused:
        product_image_replace(product=product, upload=image_upload(800, 600))

    assert (refused.value.code, refused.value.status) == ("image_too_large", 413)
    assert refused.value.extra["max_bytes"] == 1000


def test_a_small_file_of_too_many_pixels_is_refused_before_it_is_decoded(settings):
    """A decompression bomb: a few kilobytes of PNG that would decode to a
    huge picture."""
    settings.MAX_IMAGE_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("1", (4000, 4000)).save(out, "PNG")  # 16 megapixels, a few KB
    product = ProductFactory()

    with pytest.raises(ApplicationError) as refused:
        product_image_replace(
            product=product, upload=SimpleUploadedFile("bomb.png", out.getvalue())
        )

    assert len(out.getvalue()) < 10_000
    assert refused.value.code == "image_too_large"


def test_a_new_image_replaces_the_old_files_once_committed(django_capture_on_commit_callbacks):
    product = ProductFactory()
    product_image_replace(product=product, upload=image_upload(800, 600))
    old = [image_file_name(product.image_name, width) for width in product.image_widths]

    with django_capture_on_commit_callbacks(execute=True):
        product_image_replace(product=product, upload=image_upload(1400, 1050))

    assert not any(default_storage.exists(name) for name in old)
    assert product.image_widths == [320, 640, 1280]


def test_removing_the_image_deletes_its_files(django_capture_on_commit_callbacks):
    product = ProductFactory()
    product_image_replace(product=product, upload=image_upload(800, 600))
    names = [image_file_name(product.image_name, width) for width in product.image_widths]

    with django_capture_on_commit_callbacks(execute=True):
        product_image_remove(product=product)

    product.refresh_from_db()
    assert product_image(product) is None
    assert not any(default_storage.exists(name) for name in names)
