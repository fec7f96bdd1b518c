from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    """The customer's pages: catalog, cart, checkout, orders, wallet, account,
    and the hosted page a payment link opens."""

    name = "storefront"
