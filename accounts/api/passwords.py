from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.api.auth import PublicAuthApi
from accounts.serializers import DetailOutputSerializer
from accounts.services import password_reset_complete, password_reset_request
from core.clients import client_ip

RESET_SENT = "If an account uses this email, a link to reset its password is on its way."


class PasswordResetApi(PublicAuthApi):
    """Ask for a password reset link by email. The same answer, after the same
    work, whether or not an account uses the email; throttled per client address
    and per email (PASSWORD_RESET_RATE): 429 throttled."""

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)

    @extend_schema(request=InputSerializer, responses={202: DetailOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_request(**serializer.validated_data, client_ip=client_ip(request))
        return Response({"detail": RESET_SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(PublicAuthApi):
    """Choose a new password with the `uid` and `token` of a reset link (the two
    parts of its path). The link works once and expires (PASSWORD_RESET_TIMEOUT);
    every session and token of the account ends, as a password change does.
    400 link_invalid for a used, expired or forged link."""

    class InputSerializer(serializers.Serializer):
        uid = serializers.CharField(max_length=64)
        token = serializers.CharField(max_length=128)
        new_password = serializers.CharField(write_only=True, max_length=128)

    @extend_schema(request=InputSerializer, responses={200: DetailOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        password_reset_complete(
            uidb64=data["uid"], token=data["token"], new_password=data["new_password"]
        )
        return Response({"detail": "Password changed. Log in with the new one."})
