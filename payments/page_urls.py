from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("pay/<uuid:checkout_id>/", views.checkout_pay, name="pay"),
    path("pay/<uuid:checkout_id>/status/", views.checkout_status, name="status"),
    path("dashboard/links/", views.payment_links, name="links"),
]
