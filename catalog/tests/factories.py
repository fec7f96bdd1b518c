import factory

from accounts.tests.factories import MerchantFactory
from catalog.models import Product
from catalog.services import product_create


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
