"""Merchants' API keys, made and revoked with the merchant's own sign-in."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import request_two_factor_verified
from accounts.models import ApiKey
from accounts.permissions import ApiKeyAccess, IsMerchant
from accounts.selectors import api_key_get_for_merchant, api_key_list_for_merchant
from accounts.serializers import ApiKeyCreatedOutputSerializer, ApiKeyOutputSerializer
from accounts.services import api_key_create, api_key_revoke
from core.pagination import paginate, paginated


class ApiKeyListCreateApi(APIView):
    """Your API keys (GET), or a new one (POST {name, scopes}): the key itself,
    `kassa_sk_…`, is in this answer only. Send it as `Authorization: Bearer
    kassa_sk_…` from your servers. Not idempotent: the key is never stored, so
    a repeated request makes a second key (revoke the one you did not keep). A
    merchant with two-factor sign-in creates keys from a sign-in that gave the
    code (403 otp_required)."""

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
        key, raw = api_key_create(
            merchant=request.user,
            two_factor_verified=request_two_factor_verified(request),
            **serializer.validated_data,
        )
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
