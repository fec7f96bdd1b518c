from functools import cached_property

from django.db.backends.sqlite3 import base
from django_prometheus.db.common import DatabaseWrapperMixin

from core.db_metrics import counting_cursor


class DatabaseWrapper(DatabaseWrapperMixin, base.DatabaseWrapper):
    @cached_property
    def _counting_cursor(self):
        return counting_cursor(base.SQLiteCursorWrapper, self.alias, self.vendor)

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=self._counting_cursor)
