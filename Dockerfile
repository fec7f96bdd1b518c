FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app
RUN useradd --create-home --uid 1000 kassa
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs some keys to import the settings; the real ones come at run time.
RUN DJANGO_SECRET_KEY=build-only KASSA_ENCRYPTION_KEY=YnVpbGQtb25seS1ub3QtYS1yZWFsLWtleS0wMDAwMDA= \
    SITE_URL=http://build.invalid DEFAULT_FROM_EMAIL=build@build.invalid \
    python manage.py collectstatic --noinput \
    && mkdir -p var && chown -R kassa:kassa /app
USER kassa

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]
