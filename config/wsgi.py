import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from config.startup import start_process  # noqa: E402 - reads the settings chosen above

start_process()
application = get_wsgi_application()
