from django.urls import path

from catalog import api, api_images, api_licences

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
    path(
        "products/<uuid:product_id>/image",
        api_images.ProductImageApi.as_view(),
        name="product-image",
    ),
    path("inventory", api.InventoryListApi.as_view(), name="inventory-list"),
    path("inventory/<uuid:product_id>", api.InventoryDetailApi.as_view(), name="inventory-detail"),
    path(
        "inventory/<uuid:product_id>/movements",
        api.InventoryMovementsApi.as_view(),
        name="inventory-movements",
    ),
    path("licences/activate", api_licences.LicenceActivateApi.as_view(), name="licence-activate"),
    path("licences/validate", api_licences.LicenceValidateApi.as_view(), name="licence-validate"),
    path(
        "licences/deactivate",
        api_licences.LicenceDeactivateApi.as_view(),
        name="licence-deactivate",
    ),
    path(
        "products/<uuid:product_id>/licences",
        api_licences.ProductLicencesApi.as_view(),
        name="product-licences",
    ),
    *(
        path(
            f"products/<uuid:product_id>/licences/<int:licence_id>/{action}",
            api_licences.ProductLicenceActionApi.as_view(),
            {"action": action},
            name=f"product-licence-{action}",
        )
        for action in api_licences.ACTIONS
    ),
]
