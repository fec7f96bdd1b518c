from django.urls import path

from orders import api

urlpatterns = [
    path("orders", api.OrderListCreateApi.as_view(), name="order-list"),
    path("orders/sales", api.OrderSalesApi.as_view(), name="order-sales"),
    path("orders/<uuid:order_id>", api.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<uuid:order_id>/events", api.OrderEventsApi.as_view(), name="order-events"),
    path("orders/<uuid:order_id>/cancel", api.OrderCancelApi.as_view(), name="order-cancel"),
    path("orders/<uuid:order_id>/fulfill", api.OrderFulfillApi.as_view(), name="order-fulfill"),
    path(
        "orders/<uuid:order_id>/deliveries",
        api.OrderDeliveriesApi.as_view(),
        name="order-deliveries",
    ),
    path(
        "orders/<uuid:order_id>/deliveries/<int:line_id>/link",
        api.OrderDownloadRenewApi.as_view(),
        name="order-download-renew",
    ),
]
