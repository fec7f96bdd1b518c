from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenBlacklistSerializer

from accounts.errors import AccountErrorCode
from accounts.models import User
from accounts.selectors import user_email_exists
from accounts.serializers import (
    AuthOutputSerializer,
    TokenPairOutputSerializer,
    UserOutputSerializer,
)
from accounts.services import (
    EMAIL_TAKEN,
    user_change_password,
    user_issue_tokens,
    user_register,
    user_rotate_refresh_token,
)
from accounts.throttles import AuthRateThrottle
from core.exceptions import ApplicationError


class _PublicAuthApi(APIView):
    """Reached without a token; a token error here is still a 401, not a 403."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'


def _auth_response(user: User, http_status: int) -> Response:
    body = {"user": user, **user_issue_tokens(user=user)}
    return Response(AuthOutputSerializer(body).data, status=http_status)


class RegisterApi(_PublicAuthApi):
    """Create an account (CUSTOMER or MERCHANT) and get a token pair."""

    throttle_classes = [AuthRateThrottle]

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(write_only=True, max_length=128)
        role = serializers.ChoiceField(
            choices=[User.Role.CUSTOMER, User.Role.MERCHANT], default=User.Role.CUSTOMER
        )
        first_name = serializers.CharField(max_length=150, required=False, default="")
        last_name = serializers.CharField(max_length=150, required=False, default="")

        def validate_email(self, value):
            if user_email_exists(email=value):
                raise serializers.ValidationError(EMAIL_TAKEN)
            return value

    @extend_schema(request=InputSerializer, responses={201: AuthOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data)
        return _auth_response(user, status.HTTP_201_CREATED)


class LoginApi(_PublicAuthApi):
    """Swap an email and password for a token pair (access 15 minutes, refresh 7 days)."""

    throttle_classes = [AuthRateThrottle]

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(write_only=True, max_length=128)

    @extend_schema(request=InputSerializer, responses={200: AuthOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The same answer for an unknown email, a wrong password and a
        # deactivated account, so the endpoint does not reveal which exist.
        user = authenticate(request, **serializer.validated_data)
        if user is None:
            raise ApplicationError(
                "Invalid email or password.",
                code=AccountErrorCode.INVALID_CREDENTIALS,
                status=status.HTTP_401_UNAUTHORIZED,
            )
        update_last_login(None, user)
        return _auth_response(user, status.HTTP_200_OK)


class RefreshApi(_PublicAuthApi):
    """Swap a refresh token for a new pair. Each refresh token works once: the old
    one is blacklisted, and of concurrent attempts with it exactly one succeeds."""

    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: TokenPairOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            tokens = user_rotate_refresh_token(raw_token=serializer.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(TokenPairOutputSerializer(tokens).data)


class LogoutApi(_PublicAuthApi):
    """Blacklist a refresh token so it can never be used again."""

    @extend_schema(request=TokenBlacklistSerializer, responses={204: None})
    def post(self, request):
        serializer = TokenBlacklistSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(APIView):
    """Change the password. Every refresh token of the account is blacklisted and
    every access token issued before stops working; the answer is a new pair."""

    throttle_classes = [AuthRateThrottle]

    class InputSerializer(serializers.Serializer):
        old_password = serializers.CharField(write_only=True, max_length=128)
        new_password = serializers.CharField(write_only=True, max_length=128)

    @extend_schema(request=InputSerializer, responses={200: TokenPairOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens = user_change_password(user=request.user, **serializer.validated_data)
        if request.auth is None:  # a browser session: keep this one, end the others
            request.user.refresh_from_db()
            update_session_auth_hash(request._request, request.user)
        return Response(TokenPairOutputSerializer(tokens).data)


class MeApi(APIView):
    """The logged-in user."""

    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)
