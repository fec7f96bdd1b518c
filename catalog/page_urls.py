from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="list"),
    path("products/<uuid:product_id>/", views.product_detail, name="detail"),
]
