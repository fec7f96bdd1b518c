from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.permissions import ApiKeyAccess, IsMerchant
from core.pagination import paginate, paginated
from events.models import WebhookDelivery
from events.selectors import (
    event_get_for_merchant,
    event_list_for_merchant,
    webhook_delivery_get_for_merchant,
    webhook_delivery_list_for_merchant,
    webhook_endpoint_get_for_merchant,
    webhook_endpoint_list_for_merchant,
    webhook_endpoint_secret_details,
)
from events.serializers import (
    EventOutputSerializer,
    WebhookDeliveryOutputSerializer,
    WebhookEndpointOutputSerializer,
)
from events.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_roll_secret,
    webhook_endpoint_send_test,
    webhook_endpoint_update,
)
from events.types import EVERY_TYPE

MAX_PAGE = 100
_EVENTS_HELP = f'Event types (GET /events lists what each carries), or ["{EVERY_TYPE}"] for all.'


class _MerchantApi(APIView):
    permission_classes = [IsAuthenticated, IsMerchant]
    api_key_access = ApiKeyAccess.WRITE


class EventListApi(_MerchantApi):
    """Your event stream, oldest first. `?after=<sequence>` is the replay cursor:
    keep the last sequence you processed and ask for what came after it; follow
    `next` until it is null. Sequences are yours alone: 1, 2, 3, … with no gap,
    in the order the changes committed."""

    class FilterSerializer(serializers.Serializer):
        after = serializers.IntegerField(min_value=0, default=0, max_value=2**62)
        type = serializers.CharField(required=False, max_length=64)
        limit = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, default=20)

    @extend_schema(
        operation_id="events_list",
        parameters=[FilterSerializer],
        responses={
            200: inline_serializer(
                "EventStreamPage",
                {
                    "next": serializers.URLField(allow_null=True),
                    "results": EventOutputSerializer(many=True),
                },
            )
        },
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        page = list(
            event_list_for_merchant(
                merchant=request.user, after=wanted["after"], event_type=wanted.get("type")
            )[: wanted["limit"] + 1]
        )
        more, page = len(page) > wanted["limit"], page[: wanted["limit"]]
        next_url = (
            replace_query_param(request.build_absolute_uri(), "after", page[-1].sequence)
            if more
            else None
        )
        return Response({"next": next_url, "results": EventOutputSerializer(page, many=True).data})


class EventDetailApi(_MerchantApi):
    """One of your events, as its webhook delivered it."""

    @extend_schema(responses={200: EventOutputSerializer})
    def get(self, request, event_id):
        event = event_get_for_merchant(merchant=request.user, event_id=event_id)
        return Response(EventOutputSerializer(event).data)


class _EndpointInput(serializers.Serializer):
    url = serializers.CharField(
        max_length=2000,
        help_text="https:// and a public address (KASSA_WEBHOOKS_ALLOW_PRIVATE lifts both).",
    )
    events = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=50, help_text=_EVENTS_HELP
    )
    description = serializers.CharField(max_length=255, required=False, default="")


class _SecretOutput(serializers.Serializer):
    class RolledSerializer(serializers.Serializer):
        secret = serializers.CharField()
        expires_at = serializers.DateTimeField()

    secret = serializers.CharField(help_text="whsec_…: signs every delivery (Kassa-Signature).")
    rolled = RolledSerializer(many=True, help_text="Rolled secrets still valid, signed with too.")


class WebhookEndpointListCreateApi(_MerchantApi):
    """Your webhook endpoints (GET), or a new one (POST): the answer carries its
    signing secret (whsec_…); "Reveal" (GET …/secret) shows it again."""

    class CreatedSerializer(WebhookEndpointOutputSerializer):
        secret = serializers.CharField()

        class Meta(WebhookEndpointOutputSerializer.Meta):
            fields = [*WebhookEndpointOutputSerializer.Meta.fields, "secret"]
            read_only_fields = fields

    @extend_schema(responses={200: paginated(WebhookEndpointOutputSerializer)})
    def get(self, request):
        queryset = webhook_endpoint_list_for_merchant(merchant=request.user)
        return paginate(request, queryset, WebhookEndpointOutputSerializer)

    @extend_schema(request=_EndpointInput, responses={201: CreatedSerializer})
    def post(self, request):
        serializer = _EndpointInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint, secret = webhook_endpoint_create(
            merchant=request.user,
            url=data["url"],
            event_types=data["events"],
            description=data["description"],
        )
        endpoint.secret = secret
        return Response(
            self.CreatedSerializer(endpoint).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )


class WebhookEndpointDetailApi(_MerchantApi):
    """One endpoint (GET); change its URL, events or description, or enable or
    disable it (PATCH; enabling resumes its queue); delete it with its delivery
    log (DELETE)."""

    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000, required=False)
        events = serializers.ListField(
            child=serializers.CharField(max_length=64),
            max_length=50,
            required=False,
            help_text=_EVENTS_HELP,
        )
        description = serializers.CharField(max_length=255, required=False)
        enabled = serializers.BooleanField(required=False)

    @extend_schema(responses={200: WebhookEndpointOutputSerializer})
    def get(self, request, endpoint_id):
        endpoint = webhook_endpoint_get_for_merchant(merchant=request.user, endpoint_id=endpoint_id)
        return Response(WebhookEndpointOutputSerializer(endpoint).data)

    @extend_schema(request=InputSerializer, responses={200: WebhookEndpointOutputSerializer})
    def patch(self, request, endpoint_id):
        endpoint = webhook_endpoint_get_for_merchant(merchant=request.user, endpoint_id=endpoint_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "events" in data:
            data["event_types"] = data.pop("events")
        endpoint = webhook_endpoint_update(endpoint=endpoint, **data)
        return Response(WebhookEndpointOutputSerializer(endpoint).data)

    @extend_schema(responses={204: None})
    def delete(self, request, endpoint_id):
        endpoint = webhook_endpoint_get_for_merchant(merchant=request.user, endpoint_id=endpoint_id)
        webhook_endpoint_delete(endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointSecretApi(_MerchantApi):
    """ "Reveal": the endpoint's signing secret, and any rolled one still valid.
    Not with an API key: a read key must never see a signing secret."""

    api_key_access = ApiKeyAccess.NONE

    @extend_schema(responses={200: _SecretOutput})
    def get(self, request, endpoint_id):
        endpoint = webhook_endpoint_get_for_merchant(merchant=request.user, endpoint_id=endpoint_id)
        return Response(
            _SecretOutput(webhook_endpoint_secret_details(endpoint=endpoint)).data,
            headers={"Cache-Control": "no-store"},
        )


class WebhookEndpointRollSecretApi(_MerchantApi):
    """ "Roll secret": a new signing secret; the old one stays valid beside it for
    WEBHOOK_SECRET_GRACE_HOURS (24), and deliveries carry both signatures."""

    @extend_schema(request=None, responses={200: _SecretOutput})
    def post(self, request, endpoint_id):
        endpoint = webhook_endpoint_get_for_merchant(merchant=request.user, endpoint_id=endpoint_id)
        webhook_endpoint_roll_secret(endpoint=endpoint)
        return Response(
            _SecretOutput(webhook_endpoint_secret_details(endpoint=endpoint)).data,
            headers={"Cache-Control": "no-store"},
        )


class WebhookEndpointTestApi(_MerchantApi):
    """ "Send test event": a signed `webhook.test` event, sent once, outside your
    stream (no sequence); its delivery shows the receiver's answer."""

    @extend_schema(request=None, responses={202: WebhookDeliveryOutputSerializer})
    def post(self, request, endpoint_id):
        endpoint = webhook_endpoint_get_for_merchant(merchant=request.user, endpoint_id=endpoint_id)
        delivery = webhook_endpoint_send_test(endpoint=endpoint)
        delivery = webhook_delivery_get_for_merchant(merchant=request.user, delivery_id=delivery.pk)
        return Response(WebhookDeliveryOutputSerializer(delivery).data, status=202)


class WebhookDeliveryListApi(_MerchantApi):
    """The delivery log, newest first, each delivery with its attempts (status,
    time and the first 1 KB of each answer). `status=FAILED` lists the dead
    letters."""

    class FilterSerializer(serializers.Serializer):
        endpoint = serializers.UUIDField(required=False)
        status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)
        event_type = serializers.CharField(required=False, max_length=64)

    @extend_schema(
        parameters=[FilterSerializer], responses={200: paginated(WebhookDeliveryOutputSerializer)}
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        queryset = webhook_delivery_list_for_merchant(
            merchant=request.user,
            endpoint_id=wanted.get("endpoint"),
            status=wanted.get("status"),
            event_type=wanted.get("event_type"),
        )
        return paginate(request, queryset, WebhookDeliveryOutputSerializer)


class WebhookDeliveryDetailApi(_MerchantApi):
    """One delivery with every attempt."""

    @extend_schema(responses={200: WebhookDeliveryOutputSerializer})
    def get(self, request, delivery_id):
        delivery = webhook_delivery_get_for_merchant(merchant=request.user, delivery_id=delivery_id)
        return Response(WebhookDeliveryOutputSerializer(delivery).data)


class WebhookDeliveryRedeliverApi(_MerchantApi):
    """ "Redeliver" a dead-lettered delivery: back in its endpoint's queue with a
    fresh round of retries. Safe to repeat: while it waits, another request
    changes nothing (202 again); once delivered, 409 already_delivered."""

    @extend_schema(request=None, responses={202: WebhookDeliveryOutputSerializer})
    def post(self, request, delivery_id):
        delivery = webhook_delivery_get_for_merchant(merchant=request.user, delivery_id=delivery_id)
        webhook_delivery_redeliver(delivery=delivery)
        delivery = webhook_delivery_get_for_merchant(merchant=request.user, delivery_id=delivery_id)
        return Response(WebhookDeliveryOutputSerializer(delivery).data, status=202)
