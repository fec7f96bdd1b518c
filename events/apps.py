from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        # Services enqueue tasks by name (core.enqueue), so the tasks must be
        # registered in every process, not only in workers.
        from events import tasks  # noqa: F401
