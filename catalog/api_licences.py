"""The Licence API: public endpoints the merchant's software calls with a key
(activate, validate, deactivate), and the merchant's own view of their keys
(list, disable, enable, reset activations) with a session, a JWT or an API key."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ApiKeyAccess
from catalog.keys import licence_key, licence_key_mask
from catalog.selectors import (
    licence_get_for_product,
    licence_list_for_product,
    licence_product_get_own,
)
from catalog.services import (
    licence_activate,
    licence_activations_reset,
    licence_deactivate,
    licence_disable,
    licence_enable,
    licence_validate,
)
from core.clients import client_ip
from core.pagination import paginate, paginated

KEY_MAX_LENGTH = 64


class _ProductSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="product_id")
    name = serializers.CharField(source="product.name")


class _TermsSerializer(serializers.Serializer):
    activations = serializers.IntegerField(source="activation_count")
    activation_limit = serializers.IntegerField(
        allow_null=True, help_text="null: unlimited instances."
    )
    expires_at = serializers.DateTimeField(allow_null=True, help_text="null: never.")
    product = _ProductSerializer(source="*")


class _InstanceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="instance_name")
    created_at = serializers.DateTimeField()


class PublicLicenceApi(APIView):
    """Authenticated by the licence key in the body alone: no token, no session
    (so no CSRF), throttled per address and per key by the services."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []


class LicenceActivateApi(PublicLicenceApi):
    """Activate a key on one instance (a machine, an install). 409
    activation_limit_reached past its limit (also under parallel requests),
    licence_expired, licence_revoked; 404 licence_not_found for an unknown,
    malformed or disabled key; 429 throttled."""

    class InputSerializer(serializers.Serializer):
        key = serializers.CharField(max_length=KEY_MAX_LENGTH, trim_whitespace=False)
        instance_name = serializers.CharField(max_length=200)

    class OutputSerializer(_TermsSerializer):
        instance_id = serializers.UUIDField()
        status = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, auth=[])
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        licence, activation = licence_activate(
            **serializer.validated_data, client_ip=client_ip(request)
        )
        licence.instance_id = activation.pk
        licence.status = licence.status_at(timezone.now())
        return Response(self.OutputSerializer(licence).data, status=status.HTTP_201_CREATED)


class LicenceValidateApi(PublicLicenceApi):
    """Is this key good, and (with instance_id) still activated on this instance?
    `valid` is true while the status is active or inactive (never activated);
    status expired or revoked answers valid false. 404 licence_not_found for an
    unknown, malformed or disabled key; 429 throttled."""

    class InputSerializer(serializers.Serializer):
        key = serializers.CharField(max_length=KEY_MAX_LENGTH, trim_whitespace=False)
        instance_id = serializers.UUIDField(required=False, allow_null=True)

    class OutputSerializer(serializers.Serializer):
        valid = serializers.BooleanField()
        status = serializers.ChoiceField(choices=["active", "inactive", "expired", "revoked"])
        reason = serializers.CharField(source="licence.reason", help_text="Why it was revoked.")
        licence = _TermsSerializer()
        instance = _InstanceSerializer(allow_null=True)

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, auth=[])
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = licence_validate(**serializer.validated_data, client_ip=client_ip(request))
        return Response(self.OutputSerializer(result).data)


class LicenceDeactivateApi(PublicLicenceApi):
    """Free an instance's seat. 404 activation_not_found when the key is not
    activated there; 404 licence_not_found; 429 throttled."""

    class InputSerializer(serializers.Serializer):
        key = serializers.CharField(max_length=KEY_MAX_LENGTH, trim_whitespace=False)
        instance_id = serializers.UUIDField()

    class OutputSerializer(_TermsSerializer):
        status = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, auth=[])
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        licence = licence_deactivate(**serializer.validated_data, client_ip=client_ip(request))
        licence.status = licence.status_at(timezone.now())
        return Response(self.OutputSerializer(licence).data)


# --- the merchant's keys ---------------------------------------------------------------


class _ActivationSerializer(_InstanceSerializer):
    deactivated_at = serializers.DateTimeField(allow_null=True)


class LicenceOutputSerializer(_TermsSerializer):
    id = serializers.IntegerField()
    key = serializers.SerializerMethodField(help_text="Masked: the last four characters.")
    status = serializers.SerializerMethodField()
    reason = serializers.CharField(help_text="Why disabled or revoked; empty otherwise.")
    order_id = serializers.UUIDField(source="order_item.order_id")
    created_at = serializers.DateTimeField()
    instances = _ActivationSerializer(source="activations", many=True)

    def get_key(self, licence) -> str:
        return licence_key_mask(licence_key(licence))

    def get_status(self, licence) -> str:
        return licence.status_at(timezone.now())


class ProductLicencesApi(APIView):
    """A licence product's keys, masked, newest first, with every activation
    (deactivated ones keep their date). Only the product's merchant (or an
    admin); anyone else's product is 404."""

    @extend_schema(responses={200: paginated(LicenceOutputSerializer)})
    def get(self, request, product_id):
        product = licence_product_get_own(user=request.user, product_id=product_id)
        return paginate(request, licence_list_for_product(product=product), LicenceOutputSerializer)


ACTIONS = {
    "disable": licence_disable,
    "enable": licence_enable,
    "reset-activations": licence_activations_reset,
}


class ProductLicenceActionApi(APIView):
    """disable (the key then answers licence_not_found), enable (undoes the
    merchant's own disable only), reset-activations (every instance is
    deactivated). 409 licence_state_conflict when the state forbids it."""

    api_key_access = ApiKeyAccess.WRITE

    @extend_schema(request=None, responses={200: LicenceOutputSerializer})
    def post(self, request, product_id, licence_id, action):
        product = licence_product_get_own(user=request.user, product_id=product_id)
        licence = licence_get_for_product(product=product, licence_id=licence_id)
        ACTIONS[action](licence=licence)
        licence = licence_get_for_product(product=product, licence_id=licence_id)
        return Response(LicenceOutputSerializer(licence).data)
