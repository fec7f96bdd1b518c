from enum import StrEnum


class OrderErrorCode(StrEnum):
    DISCOUNT_EXHAUSTED = "discount_exhausted"
    DISCOUNT_INVALID = "discount_invalid"
    DOWNLOAD_LIMIT_REACHED = "download_limit_reached"
    EMPTY_CART = "empty_cart"
    INVALID = "invalid"
    INVALID_TRANSITION = "invalid_transition"
    MIXED_CURRENCY = "mixed_currency"
    NOT_FOUND = "not_found"
    NOT_PAID = "not_paid"
    OWN_PRODUCT = "own_product"
    PARTIAL_REFUND_UNSUPPORTED = "partial_refund_unsupported"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    REFUND_TOO_LARGE = "refund_too_large"
    REFUND_UNAVAILABLE = "refund_unavailable"
    THROTTLED = "throttled"
    TOO_MANY_RESERVATIONS = "too_many_reservations"
