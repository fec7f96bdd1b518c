"""Every merchant page, under /dashboard/ and the "dashboard" namespace."""

from django.urls import path

from dashboard.views import (
    codes,
    developers,
    discounts,
    disputes,
    licences,
    links,
    overview,
    products,
    sales,
    wallet,
    webhooks,
)

app_name = "dashboard"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("products/", products.product_list, name="products"),
    path("products/new/", products.product_new, name="product_new"),
    path("products/<uuid:product_id>/", products.product_edit, name="product"),
    path("products/<uuid:product_id>/stock/", products.product_adjust, name="product_adjust"),
    path("products/<uuid:product_id>/file/", products.product_file, name="product_file"),
    path("products/<uuid:product_id>/image/", products.product_cover, name="product_image"),
    path(
        "products/<uuid:product_id>/image/remove/",
        products.product_cover_remove,
        name="product_image_remove",
    ),
    path("products/<uuid:product_id>/archive/", products.product_archive, name="product_archive"),
    path("products/<uuid:product_id>/codes/", codes.product_codes, name="product_codes"),
    path(
        "products/<uuid:product_id>/codes/<int:code_id>/void/",
        codes.code_void_view,
        name="code_void",
    ),
    path(
        "products/<uuid:product_id>/licences/",
        licences.product_licences,
        name="product_licences",
    ),
    *(
        path(
            f"products/<uuid:product_id>/licences/<int:licence_id>/{action}/",
            licences.licence_action,
            {"action": action},
            name=f"licence_{action}",
        )
        for action in licences.ACTIONS
    ),
    path("sales/", sales.sales, name="sales"),
    path("sales/<uuid:order_id>/fulfil/", sales.sale_fulfil, name="sale_fulfil"),
    path("sales/<uuid:order_id>/refund/", sales.sale_refund, name="sale_refund"),
    path("links/", links.payment_links, name="links"),
    path("discounts/", discounts.discounts, name="discounts"),
    path(
        "discounts/<int:discount_id>/deactivate/",
        discounts.discount_deactivate_view,
        name="discount_deactivate",
    ),
    path("exports/redemptions.csv", discounts.export_redemptions, name="export_redemptions"),
    path("disputes/", disputes.disputes, name="disputes"),
    path(
        "disputes/<uuid:dispute_id>/evidence/",
        disputes.dispute_evidence_submit,
        name="dispute_evidence",
    ),
    path("wallet/", wallet.wallet, name="wallet"),
    path("exports/sales.csv", wallet.export_sales, name="export_sales"),
    path("exports/ledger.csv", wallet.export_ledger, name="export_ledger"),
    path("developers/", developers.api_keys, name="developers"),
    path(
        "developers/keys/<uuid:key_id>/revoke/",
        developers.api_key_revoke_view,
        name="api_key_revoke",
    ),
    path("developers/events/", developers.events, name="events"),
    path("developers/webhooks/", webhooks.webhook_endpoints, name="webhooks"),
    path(
        "developers/webhooks/<uuid:endpoint_id>/<slug:action>/",
        webhooks.webhook_endpoint_action,
        name="webhook_endpoint_action",
    ),
    path("developers/deliveries/", webhooks.webhook_deliveries, name="webhook_deliveries"),
    path(
        "developers/deliveries/<uuid:delivery_id>/redeliver/",
        webhooks.webhook_delivery_redeliver_view,
        name="webhook_delivery_redeliver",
    ),
]
