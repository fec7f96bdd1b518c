from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenBlacklistSerializer

from accounts.errors import AccountErrorCode
from accounts.models import ApiKey, User
from accounts.permissions import ApiKeyAccess, IsMerchant
from accounts.selectors import (
    api_key_get_for_merchant,
    api_key_list_for_merchant,
    user_email_exists,
)
from accounts.serializers import (
    ApiKeyCreatedOutputSerializer,
    ApiKeyOutputSerializer,
    AuthOutputSerializer,
    TokenPairOutputSerializer,
    UserOutputSerializer,
)
from accounts.services import (
    EMAIL_TAKEN,
    api_key_create,
    api_key_revoke,
    user_change_password,
    user_issue_tokens,
    user_register,
    user_rotate_refresh_token,
)
from accounts.throttles import AuthRateThrottle
from core.exceptions import ApplicationError
from core.pagination import paginate, paginated


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
    api_key_access = ApiKeyAccess.NONE

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


class ApiKeyListCreateApi(APIView):
    """Your API keys (GET), or a new one (POST {name, scopes}): the key itself,
    `kassa_sk_…`, is in this answer only. Send it as `Authorization: Bearer
    kassa_sk_…` from your servers. Not idempotent: the key is never stored, so
    a repeated request makes a second key (revoke the one you did not keep)."""

    permission_classes = [IsAuthenticated, IsMerchant]
    api_key_access = ApiKeyAccess.NONE  # a key never makes keys

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        scopes = serializers.ListField(
            child=serializers.ChoiceField(choices=ApiKey.Scope.choices),
            allow_empty=False,
            max_length=2,
            help_text="read: every GET; write: also products, payment links (checkouts), "
            "and fulfilling and refunding orders.",
        )

    @extend_schema(responses={200: paginated(ApiKeyOutputSerializer)})
    def get(self, request):
        return paginate(
            request, api_key_list_for_merchant(merchant=request.user), ApiKeyOutputSerializer
        )

    @extend_schema(request=InputSerializer, responses={201: ApiKeyCreatedOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, raw = api_key_create(merchant=request.user, **serializer.validated_data)
        body = ApiKeyCreatedOutputSerializer({"api_key": key, "key": raw}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class ApiKeyRevokeApi(APIView):
    """Revoke a key: it answers 401 from now on. Revoking it again is a 204 too."""

    permission_classes = [IsAuthenticated, IsMerchant]
    api_key_access = ApiKeyAccess.NONE

    @extend_schema(responses={204: None})
    def delete(self, request, key_id):
        api_key_revoke(key=api_key_get_for_merchant(merchant=request.user, key_id=key_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
