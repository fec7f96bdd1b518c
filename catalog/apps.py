from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self):
        # The catalog's event types join the registry in every process.
        from catalog import events  # noqa: F401
