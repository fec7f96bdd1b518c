from django.urls import path

from catalog import api

urlpatterns = [
    path("products", api.product_list_entry, name="product-list"),
    path("products/mine", api.ProductMineApi.as_view(), name="product-mine"),
    path("products/<uuid:product_id>", api.ProductDetailApi.as_view(), name="product-detail"),
    path("products/<uuid:product_id>/codes", api.ProductCodesApi.as_view(), name="product-codes"),
    path(
        "products/<uuid:product_id>/codes/<int:code_id>",
        api.ProductCodeDetailApi.as_view(),
        name="product-code-detail",
    ),
    path("products/<uuid:product_id>/file", api.ProductFileApi.as_view(), name="product-file"),
    path("inventory", api.InventoryListApi.as_view(), name="inventory-list"),
    path("inventory/<uuid:product_id>", api.InventoryDetailApi.as_view(), name="inventory-detail"),
    path(
        "inventory/<uuid:product_id>/movements",
        api.InventoryMovementsApi.as_view(),
        name="inventory-movements",
    ),
]
