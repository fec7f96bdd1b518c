from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="list"),
    path("products/<uuid:product_id>/", views.product_detail, name="detail"),
    path("dashboard/products/", views.dashboard_products, name="dashboard_products"),
    path("dashboard/products/new/", views.dashboard_product_new, name="dashboard_product_new"),
    path(
        "dashboard/products/<uuid:product_id>/", views.dashboard_product, name="dashboard_product"
    ),
    path(
        "dashboard/products/<uuid:product_id>/stock/",
        views.dashboard_product_adjust,
        name="dashboard_product_adjust",
    ),
    path(
        "dashboard/products/<uuid:product_id>/codes/",
        views.dashboard_product_codes,
        name="dashboard_product_codes",
    ),
    path(
        "dashboard/products/<uuid:product_id>/codes/<int:code_id>/void/",
        views.dashboard_code_void,
        name="dashboard_code_void",
    ),
    path(
        "dashboard/products/<uuid:product_id>/file/",
        views.dashboard_product_file,
        name="dashboard_product_file",
    ),
    path(
        "dashboard/products/<uuid:product_id>/archive/",
        views.dashboard_product_archive,
        name="dashboard_product_archive",
    ),
]
