from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self):
        # Services enqueue tasks by name (core.enqueue), so the tasks must be
        # registered in every process, not only in workers.
        from orders import events, tasks  # noqa: F401  (events: registers the types)
