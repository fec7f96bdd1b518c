from rest_framework import serializers

from events.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class EventOutputSerializer(serializers.ModelSerializer):
    """An event as the API lists it and as a webhook delivers it."""

    id = serializers.UUIDField(source="public_id")
    data = serializers.JSONField(help_text="What changed; its shape depends on `type`.")

    class Meta:
        model = Event
        fields = ["id", "type", "sequence", "created_at", "data"]
        read_only_fields = fields


class WebhookEndpointOutputSerializer(serializers.ModelSerializer):
    events = serializers.ListField(source="event_types", child=serializers.CharField())

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "status",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookAttemptOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "started_at",
            "duration_ms",
            "response_status",
            "response_body",
            "error",
        ]
        read_only_fields = fields


class WebhookDeliveryOutputSerializer(serializers.ModelSerializer):
    endpoint_id = serializers.UUIDField()
    event_id = serializers.UUIDField(source="event.public_id", allow_null=True, default=None)
    attempts = WebhookAttemptOutputSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint_id",
            "event_id",
            "event_type",
            "sequence",
            "status",
            "failed_attempts",
            "next_attempt_at",
            "finished_at",
            "created_at",
            "attempts",
        ]
        read_only_fields = fields
