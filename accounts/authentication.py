import functools

import structlog
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.utils import aware_utcnow

from accounts.tokens import OTP_CLAIM, token_is_current


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
