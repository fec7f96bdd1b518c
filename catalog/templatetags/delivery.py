from django import template

from catalog.models import Product

register = template.Library()


@register.filter
def delivery(kind):
    """{{ product.delivery_kind|delivery }} → "Instant code": how the buyer gets it."""
    return Product.BUYER_DELIVERY.get(kind, "")
