import functools

import structlog
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.utils import aware_utcnow

from accounts.errors import AccountErrorCode
from accounts.permissions import api_key_check_access
from accounts.selectors import api_key_find

# The module, not its names: DRF imports this class while accounts.services is
# still being imported (its modules raise core.exceptions' errors, which load
# DRF's views and with them the authentication classes).
from accounts import services  # isort: skip
from accounts.tokens import OTP_CLAIM, token_is_current

# What a bearer token's 401 says, for API keys and JWTs alike.
WWW_AUTHENTICATE = 'Bearer realm="api"'


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer kassa_sk_…`: a merchant's API key, for their own
    servers. Any other bearer token is left to JWTAuthentication. The key's
    scope is checked against the view here (accounts.permissions.ApiKeyAccess),
    before any permission class, so no view can forget it."""

    def authenticate(self, request):
        scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        raw = raw.strip()
        if scheme != "Bearer" or not raw.startswith(services.API_KEY_PREFIX):
            return None
        key = api_key_find(raw_key=raw)
        if key is None:
            raise AuthenticationFailed(
                "This API key is not valid or has been revoked.",
                code=AccountErrorCode.API_KEY_INVALID,
            )
        # The key's id, never the key, on every log line of this request.
        structlog.contextvars.bind_contextvars(user_id=str(key.merchant_id), api_key_id=str(key.pk))
        api_key_check_access(key=key, view=request.parser_context["view"], method=request.method)
        services.api_key_touch(key=key)
        return key.merchant, key

    def authenticate_header(self, request):
        return WWW_AUTHENTICATE


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "merchantApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "kassa_sk_…",
            "description": "A merchant API key (Developers → Create key): read, or read "
            "and write (products, payment links, fulfil and refund orders).",
        }


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication, refusing access tokens issued before the
    user's password last changed."""

    def get_validated_token(self, raw_token):
        token = _verified(raw_token)
        try:
            token.check_exp(current_time=aware_utcnow())
        except TokenError:
            return super().get_validated_token(raw_token)  # refused as simplejwt refuses it
        return token

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if not token_is_current(validated_token, user):
            raise InvalidToken("The token was issued before the password changed.")
        structlog.contextvars.bind_contextvars(user_id=str(user.pk))  # on this request's log lines
        return user


@functools.lru_cache(maxsize=2048)
def _verified(raw_token: bytes):
    """The token's signature and claims, checked once per token and process.

    A client sends the same access token for its whole life (15 minutes), and
    checking it again costs about 2% of a checkout's CPU. Only a token that
    passed every check is kept; its expiry is checked again on every use, and
    the user row, read on every request, still decides whether it is current.
    """
    return authentication.JWTAuthentication().get_validated_token(raw_token)


class JWTAuthenticationScheme(SimpleJWTScheme):
    """Documents the subclass above in the OpenAPI schema as simplejwt's bearer JWT."""

    target_class = JWTAuthentication


def request_two_factor_verified(request) -> bool:
    """Whether the caller gave a second factor: a JWT issued after a code (its
    `otp` claim), or a session that passed django-otp's check. What
    two_factor_check and the services that call it take as `verified`."""
    token = getattr(request, "auth", None)
    if token is not None and hasattr(token, "get"):
        return bool(token.get(OTP_CLAIM, False))
    is_verified = getattr(getattr(request, "user", None), "is_verified", None)
    return bool(is_verified and is_verified())
