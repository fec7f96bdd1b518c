from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The merchant's pages: overview, products and codes, sales, payment links,
    the merchant wallet and its exports."""

    name = "dashboard"
