"""The API's settings: DRF, simplejwt, drf-spectacular, merchant API keys and the
webhooks Kassa sends (base.py imports them)."""

from datetime import timedelta

from config.settings.environment import env

AUTH_THROTTLE_RATE = env("AUTH_THROTTLE_RATE", default="10/min")
# Requests per merchant API key (accounts.throttles.ApiKeyRateThrottle).
API_KEY_THROTTLE_RATE = env("API_KEY_THROTTLE_RATE", default="600/min")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # A bearer token that starts kassa_sk_ is a merchant's API key; any other
        # goes on to JWT. Both answer WWW-Authenticate, so anonymous calls are 401.
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON for every client; HTML form bodies only from a logged-in session
    # (the browsable API's forms), refused with 415 for token clients.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "core.parsers.SessionFormParser",
        "core.parsers.SessionMultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "core.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "VIEW_NAME_FUNCTION": "core.naming.view_name",
    # Counts API-key requests only; JWT and session requests pass untouched.
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttles.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"auth": AUTH_THROTTLE_RATE, "api_key": API_KEY_THROTTLE_RATE},
    # Client IP for throttling is REMOTE_ADDR unless the operator declares how
    # many trusted proxies sit in front; a spoofed X-Forwarded-For is ignored.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Kassa API",
    "DESCRIPTION": "Wallets, catalog, orders and payments for digital goods.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.Order.Status",
        "PaymentMethodEnum": "orders.models.Order.PaymentMethod",
        "WebhookDeliveryStatusEnum": "events.models.WebhookDelivery.Status",
        "WebhookEndpointStatusEnum": "events.models.WebhookEndpoint.Status",
        "ApiKeyScopeEnum": "accounts.models.ApiKey.Scope",
    },
}

# --- Webhooks to merchants (events/) ---------------------------------------------

# On: any address and http:// too, for a receiver on a developer's machine
# (the local and test settings); never in production.
KASSA_WEBHOOKS_ALLOW_PRIVATE = env.bool("KASSA_WEBHOOKS_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Retry n waits base × 2ⁿ seconds: 60 s × (1 + 2 + … + 2¹¹) ≈ 2.8 days in all.
WEBHOOK_RETRY_BASE_DELAY = env.float("WEBHOOK_RETRY_BASE_DELAY", default=60.0)
WEBHOOK_MAX_RETRIES = env.int("WEBHOOK_MAX_RETRIES", default=12)
# How long a rolled signing secret stays valid beside the new one.
WEBHOOK_SECRET_GRACE_HOURS = env.int("WEBHOOK_SECRET_GRACE_HOURS", default=24)
