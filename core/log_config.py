"""One line per event through structlog, for Kassa's stdlib loggers and
structlog's alike; LOG_FORMAT=json for a log shipper, readable lines otherwise.
structlog's context (request_id, user_id, task_id, payment_id, ...) joins every
line. The settings build LOGGING with logging_config; CoreConfig.ready
configures structlog itself."""

import structlog

SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_config(*, log_format: str, level: str) -> dict:
    """Django's LOGGING: one console handler rendering JSON or plain lines."""
    renderer = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "kassa": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    renderer,
                ],
                "foreign_pre_chain": SHARED_PROCESSORS,
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kassa"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler would print its warnings ("Not Found:
            # /favicon.ico", a 403's traceback) a second time beside ours.
            "django": {"handlers": [], "propagate": True},
            # django-axes logs every successful login at INFO; failures and
            # lockouts (WARNING) are what an operator needs.
            "axes": {"level": "WARNING"},
            # At DEBUG the Stripe library logs request bodies (card tokens), and
            # Django's database backend logs SQL with its parameters: never.
            "stripe": {"level": "INFO"},
            "django.db.backends": {"level": "INFO"},
        },
    }


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
