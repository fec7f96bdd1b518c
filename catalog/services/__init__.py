"""Every write to the catalog. products: a merchant's listing; stock: the stock
engine orders move units with; codes: gift cards and uploaded keys; licences:
generated keys the merchant's software checks; files: a download product's
file; images: a product's cover image."""

from catalog.services.codes import (
    code_void,
    codes_add,
    codes_burn,
    codes_release,
    codes_sell_reserved,
    codes_take,
)
from catalog.services.files import file_too_large, product_file_replace
from catalog.services.images import product_image_remove, product_image_replace
from catalog.services.licences import (
    licence_activate,
    licence_activations_reset,
    licence_deactivate,
    licence_deactivate_instance,
    licence_disable,
    licence_enable,
    licence_validate,
    licences_issue,
    licences_restore,
    licences_revoke,
    licences_withhold,
)
from catalog.services.products import product_create, product_delete, product_update
from catalog.services.stock import (
    StockMove,
    stock_adjust,
    stock_apply,
    stock_take,
)

__all__ = [
    "StockMove",
    "code_void",
    "codes_add",
    "codes_burn",
    "codes_release",
    "codes_sell_reserved",
    "codes_take",
    "file_too_large",
    "licence_activate",
    "licence_activations_reset",
    "licence_deactivate",
    "licence_deactivate_instance",
    "licence_disable",
    "licence_enable",
    "licence_validate",
    "licences_issue",
    "licences_restore",
    "licences_revoke",
    "licences_withhold",
    "product_create",
    "product_delete",
    "product_file_replace",
    "product_image_remove",
    "product_image_replace",
    "product_update",
    "stock_adjust",
    "stock_apply",
    "stock_take",
]
