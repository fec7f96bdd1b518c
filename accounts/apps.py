from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from accounts import signals, tasks  # noqa: F401 - connect receivers, register tasks
