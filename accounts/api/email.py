from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.auth import PublicAuthApi
from accounts.serializers import DetailOutputSerializer, UserOutputSerializer
from accounts.services import email_change_request, email_verification_resend, email_verify


class EmailVerifyApi(PublicAuthApi):
    """Use the `token` of a verification link (the last part of its path): the
    email it names becomes the account's, verified. 400 link_invalid for an
    expired, forged or superseded link."""

    class InputSerializer(serializers.Serializer):
        token = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses={200: UserOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = email_verify(**serializer.validated_data)
        return Response(UserOutputSerializer(user).data)


class EmailVerifyResendApi(APIView):
    """Send the verification link again (throttled: 429 throttled)."""

    @extend_schema(request=None, responses={202: DetailOutputSerializer})
    def post(self, request):
        email_verification_resend(user=request.user)
        return Response(
            {"detail": "If your email is not verified yet, a new link is on its way."},
            status=status.HTTP_202_ACCEPTED,
        )


class EmailChangeApi(APIView):
    """Change the account's email: a link goes to the new address, which replaces
    the old one only when the link is used (POST /auth/email/verify)."""

    class InputSerializer(serializers.Serializer):
        new_email = serializers.EmailField(max_length=254)
        password = serializers.CharField(write_only=True, max_length=128)

    @extend_schema(request=InputSerializer, responses={202: DetailOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email_change_request(user=request.user, **serializer.validated_data)
        return Response(
            {"detail": "A link is on its way to the new address; use it to make the change."},
            status=status.HTTP_202_ACCEPTED,
        )
