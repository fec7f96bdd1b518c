import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.tests.factories import MerchantFactory
from catalog.models import Product
from catalog.services import codes_add, product_create, product_file_replace


class ProductFactory(factory.Factory):
    """Builds products through the service, so stock and movements exist as in real life."""

    class Meta:
        model = Product

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Gift card {n}")
    description = "A digital gift card."
    price = 1000
    currency = "USD"
    stock = 10
    is_active = True

    @classmethod
    def _create(cls, model_class, **kwargs):
        return product_create(**kwargs)


def code_product(*, codes, merchant=None, price=1000, **fields) -> Product:
    """A codes product on sale with these codes as its stock."""
    merchant = merchant or MerchantFactory()
    product = ProductFactory(
        merchant=merchant, stock=0, price=price, delivery_kind="codes", **fields
    )
    codes_add(product=product, codes=list(codes), actor=merchant)
    return product


def download_product(
    *, content=b"%PDF-1.4 the handbook", filename="handbook.pdf", merchant=None, **fields
) -> Product:
    """A download product with its file stored."""
    product = ProductFactory(
        merchant=merchant or MerchantFactory(), delivery_kind="download", **fields
    )
    return product_file_replace(product=product, upload=SimpleUploadedFile(filename, content))


def licence_product(*, merchant=None, stock=10, **fields) -> Product:
    """A licence product on sale: a key is generated for each unit sold."""
    return ProductFactory(
        merchant=merchant or MerchantFactory(), stock=stock, delivery_kind="licence", **fields
    )


def image_upload(width=1600, height=1200, *, fmt="PNG", name="cover.png") -> SimpleUploadedFile:
    """A real picture of that size, as a browser would send it."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 110, 180)).save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")
