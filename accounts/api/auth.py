from django.conf import settings
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from accounts.authentication import request_two_factor_verified
from accounts.errors import AccountErrorCode
from accounts.models import User
from accounts.permissions import ApiKeyAccess
from accounts.selectors import (
    user_email_exists,
)
from accounts.serializers import (
    AuthOutputSerializer,
    OtpAuthOutputSerializer,
    OtpRequiredSerializer,
    TokenPairOutputSerializer,
    UserOutputSerializer,
)
from accounts.services import (
    EMAIL_TAKEN,
    Client,
    otp_challenge_complete,
    otp_challenge_issue,
    two_factor_required,
    user_change_password,
    user_issue_tokens,
    user_logout_refresh_token,
    user_register,
    user_rotate_refresh_token,
)
from accounts.throttles import AuthRateThrottle
from core.exceptions import ApplicationError


class PublicAuthApi(APIView):
    """Reached without a token; a token error here is still a 401, not a 403."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'


def _auth_response(request, user: User, http_status: int) -> Response:
    body = {"user": user, **user_issue_tokens(user=user, client=Client.of(request))}
    return Response(AuthOutputSerializer(body).data, status=http_status)


class RegisterApi(PublicAuthApi):
    """Create an account (CUSTOMER or MERCHANT) and get a token pair. A link to
    verify the email is sent; until it is used the account cannot withdraw (nor a
    merchant put products on sale): 403 email_unverified."""

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
        return _auth_response(request, user, status.HTTP_201_CREATED)


class LoginApi(PublicAuthApi):
    """Swap an email and password for a token pair (access 15 minutes, refresh 7 days).

    An account with two-factor sign-in gets 401 otp_required with a `challenge`
    instead, to complete at POST /auth/login/otp with a code; staff who have not
    turned it on yet get 403 otp_enrolment_required."""

    throttle_classes = [AuthRateThrottle]

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(write_only=True, max_length=128)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: AuthOutputSerializer,
            401: OpenApiResponse(
                OtpRequiredSerializer,
                description="invalid_credentials, or otp_required with a challenge",
            ),
        },
    )
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
        if user.two_factor_enabled:
            raise ApplicationError(
                "Enter the code from your authenticator app (or a recovery code).",
                code=AccountErrorCode.OTP_REQUIRED,
                status=status.HTTP_401_UNAUTHORIZED,
                extra={
                    "challenge": otp_challenge_issue(user=user),
                    "expires_in": settings.OTP_CHALLENGE_SECONDS,
                },
            )
        if two_factor_required(user):
            raise ApplicationError(
                "Staff accounts sign in with two-factor: turn it on at /account/two-factor/.",
                code=AccountErrorCode.OTP_ENROLMENT_REQUIRED,
                status=status.HTTP_403_FORBIDDEN,
            )
        update_last_login(None, user)
        return _auth_response(request, user, status.HTTP_200_OK)


class LoginOtpApi(PublicAuthApi):
    """The second step of an enrolled account's login: the `challenge` POST
    /auth/login answered and a 6-digit code from the authenticator app, or one of
    the recovery codes (each works once; the answer says how many are left).
    Throttled like the login; a wrong code is 400 otp_invalid, an expired or used
    challenge 401 otp_challenge_invalid."""

    throttle_classes = [AuthRateThrottle]

    class InputSerializer(serializers.Serializer):
        challenge = serializers.CharField(max_length=500)
        code = serializers.CharField(max_length=32)

    @extend_schema(request=InputSerializer, responses={200: OtpAuthOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, tokens, verified = otp_challenge_complete(
            **serializer.validated_data, client=Client.of(request)
        )
        update_last_login(None, user)
        body = {"user": user, **tokens, "recovery_codes_left": verified.recovery_codes_left}
        return Response(OtpAuthOutputSerializer(body).data)


class RefreshApi(PublicAuthApi):
    """Swap a refresh token for a new pair. Each refresh token works once: the old
    one is blacklisted, and of concurrent attempts with it exactly one succeeds."""

    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: TokenPairOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            tokens = user_rotate_refresh_token(
                raw_token=serializer.validated_data["refresh"], client=Client.of(request)
            )
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(TokenPairOutputSerializer(tokens).data)


class LogoutApi(PublicAuthApi):
    """Blacklist a refresh token so it can never be used again; its sign-in leaves
    the "Account" page."""

    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user_logout_refresh_token(raw_token=serializer.validated_data["refresh"])
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
        tokens = user_change_password(
            user=request.user,
            **serializer.validated_data,
            client=Client.of(request) if request.auth is not None else None,
            two_factor=request_two_factor_verified(request),
        )
        if request.auth is None:  # a browser session: keep this one, end the others
            request.user.refresh_from_db()
            update_session_auth_hash(request._request, request.user)
        return Response(TokenPairOutputSerializer(tokens).data)


class MeApi(APIView):
    """The logged-in user."""

    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)
