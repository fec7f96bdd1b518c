from enum import StrEnum


class CatalogErrorCode(StrEnum):
    INSUFFICIENT_STOCK = "insufficient_stock"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    STOCK_MANAGED_BY_CODES = "stock_managed_by_codes"
    STOCK_UNLIMITED = "stock_unlimited"
    WRONG_DELIVERY_KIND = "wrong_delivery_kind"
    CODE_NOT_VOIDABLE = "code_not_voidable"
    FILE_TOO_LARGE = "file_too_large"
