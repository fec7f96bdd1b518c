"""The catalog's error codes, and the refusals more than one service raises."""

from enum import StrEnum

from core.exceptions import ApplicationError


class CatalogErrorCode(StrEnum):
    INSUFFICIENT_STOCK = "insufficient_stock"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    STOCK_MANAGED_BY_CODES = "stock_managed_by_codes"
    STOCK_UNLIMITED = "stock_unlimited"
    WRONG_DELIVERY_KIND = "wrong_delivery_kind"
    CODE_NOT_VOIDABLE = "code_not_voidable"
    FILE_TOO_LARGE = "file_too_large"
    IMAGE_INVALID = "image_invalid"
    IMAGE_TOO_LARGE = "image_too_large"
    LICENCE_NOT_FOUND = "licence_not_found"
    LICENCE_EXPIRED = "licence_expired"
    LICENCE_REVOKED = "licence_revoked"
    ACTIVATION_LIMIT_REACHED = "activation_limit_reached"
    ACTIVATION_NOT_FOUND = "activation_not_found"
    LICENCE_STATE_CONFLICT = "licence_state_conflict"
    THROTTLED = "throttled"


def stock_managed_by_codes(status: int = 400) -> ApplicationError:
    return ApplicationError(
        "The stock of a codes product is its unsold codes: add codes to raise it, "
        "void one to lower it.",
        code=CatalogErrorCode.STOCK_MANAGED_BY_CODES,
        status=status,
    )


def require_delivery_kind(product, kind: str) -> None:
    """wrong_delivery_kind (409) unless `product` is delivered as `kind`."""
    if product.delivery_kind != kind:
        raise ApplicationError(
            f"{product.name} is delivered as '{product.delivery_kind}', not '{kind}'.",
            code=CatalogErrorCode.WRONG_DELIVERY_KIND,
            status=409,
            extra={"delivery_kind": product.delivery_kind},
        )
