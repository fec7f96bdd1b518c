from django.db.backends.postgresql import base
from django_prometheus.db.common import DatabaseWrapperMixin

from core.db_metrics import counting_cursor


class DatabaseWrapper(DatabaseWrapperMixin, base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["cursor_factory"] = counting_cursor(
            params["cursor_factory"], self.alias, self.vendor
        )
        return params

    def create_cursor(self, name=None):
        # psycopg makes counting cursors already (cursor_factory above); the
        # mixin's create_cursor is psycopg 2's way.
        return base.DatabaseWrapper.create_cursor(self, name=name)
