from django.urls import path

from events import api

urlpatterns = [
    path("events", api.EventListApi.as_view(), name="event-list"),
    path("events/<uuid:event_id>", api.EventDetailApi.as_view(), name="event-detail"),
    path(
        "webhook-endpoints",
        api.WebhookEndpointListCreateApi.as_view(),
        name="webhook-endpoint-list",
    ),
    path(
        "webhook-endpoints/<uuid:endpoint_id>",
        api.WebhookEndpointDetailApi.as_view(),
        name="webhook-endpoint-detail",
    ),
    path(
        "webhook-endpoints/<uuid:endpoint_id>/secret",
        api.WebhookEndpointSecretApi.as_view(),
        name="webhook-endpoint-secret",
    ),
    path(
        "webhook-endpoints/<uuid:endpoint_id>/roll-secret",
        api.WebhookEndpointRollSecretApi.as_view(),
        name="webhook-endpoint-roll-secret",
    ),
    path(
        "webhook-endpoints/<uuid:endpoint_id>/test",
        api.WebhookEndpointTestApi.as_view(),
        name="webhook-endpoint-test",
    ),
    path("webhook-deliveries", api.WebhookDeliveryListApi.as_view(), name="webhook-delivery-list"),
    path(
        "webhook-deliveries/<uuid:delivery_id>",
        api.WebhookDeliveryDetailApi.as_view(),
        name="webhook-delivery-detail",
    ),
    path(
        "webhook-deliveries/<uuid:delivery_id>/redeliver",
        api.WebhookDeliveryRedeliverApi.as_view(),
        name="webhook-delivery-redeliver",
    ),
]
