from enum import StrEnum


class PaymentErrorCode(StrEnum):
    ALREADY_PAID = "already_paid"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    NOT_PAYABLE = "not_payable"
    CARD_DECLINED = "card_declined"
    REFUND_TOO_LARGE = "refund_too_large"
    REFUND_FAILED = "refund_failed"
    OWN_CHECKOUT = "own_checkout"
    PAYMENT_METHOD_MISMATCH = "payment_method_mismatch"
