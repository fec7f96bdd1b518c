from enum import StrEnum


class OrderErrorCode(StrEnum):
    EMPTY_CART = "empty_cart"
    INVALID = "invalid"
    INVALID_TRANSITION = "invalid_transition"
    MIXED_CURRENCY = "mixed_currency"
    OWN_PRODUCT = "own_product"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    REFUND_UNAVAILABLE = "refund_unavailable"
    TOO_MANY_RESERVATIONS = "too_many_reservations"
