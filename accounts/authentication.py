import structlog
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken

from accounts.tokens import token_is_current


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication, refusing access tokens issued before the
    user's password last changed."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if not token_is_current(validated_token, user):
            raise InvalidToken("The token was issued before the password changed.")
        structlog.contextvars.bind_contextvars(user_id=str(user.pk))  # on this request's log lines
        return user


class JWTAuthenticationScheme(SimpleJWTScheme):
    """Documents the subclass above in the OpenAPI schema as simplejwt's bearer JWT."""

    target_class = JWTAuthentication
