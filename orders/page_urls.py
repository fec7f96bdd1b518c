from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("cart/checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="list"),
    path("orders/<uuid:order_id>/", views.order_detail, name="detail"),
    path("orders/<uuid:order_id>/status/", views.order_status, name="status"),
    path("orders/<uuid:order_id>/cancel/", views.order_cancel_view, name="cancel"),
    path("orders/<uuid:order_id>/pay/", views.order_pay, name="pay"),
    path(
        "orders/<uuid:order_id>/downloads/<int:line_id>/renew/",
        views.download_renew,
        name="download_renew",
    ),
    path("downloads/<str:token>", views.download, name="download"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/sales/", views.sales, name="sales"),
    path("dashboard/sales/<uuid:order_id>/fulfil/", views.sale_fulfil, name="sale_fulfil"),
    path("dashboard/sales/<uuid:order_id>/refund/", views.sale_refund, name="sale_refund"),
]
