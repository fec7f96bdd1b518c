from django.urls import path

from orders import api, api_discounts

urlpatterns = [
    path("discounts", api_discounts.DiscountListCreateApi.as_view(), name="discount-list"),
    path(
        "discounts/<int:discount_id>/deactivate",
        api_discounts.DiscountDeactivateApi.as_view(),
        name="discount-deactivate",
    ),
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
