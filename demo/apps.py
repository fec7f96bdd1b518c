from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`manage.py seed_demo`: the demo users, products, orders and payment links."""

    name = "demo"
