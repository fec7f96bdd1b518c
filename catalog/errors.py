from enum import StrEnum


class CatalogErrorCode(StrEnum):
    INSUFFICIENT_STOCK = "insufficient_stock"
    PRODUCT_UNAVAILABLE = "product_unavailable"
