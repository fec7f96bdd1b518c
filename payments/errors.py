from enum import StrEnum


class PaymentErrorCode(StrEnum):
    ALREADY_PAID = "already_paid"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    NOT_PAYABLE = "not_payable"
    NOT_RETRYABLE = "not_retryable"
    CARD_DECLINED = "card_declined"
    RETRIES_EXHAUSTED = "retries_exhausted"
    GATEWAY_UNAVAILABLE = "gateway_unavailable"
    REFUND_TOO_LARGE = "refund_too_large"
    REFUND_FAILED = "refund_failed"
    PARTIAL_REFUND_UNSUPPORTED = "partial_refund_unsupported"
    OWN_CHECKOUT = "own_checkout"
    PAYMENT_METHOD_MISMATCH = "payment_method_mismatch"
    INVALID_SIGNATURE = "invalid_signature"
    INVALID_TRANSITION = "invalid_transition"
    DISPUTE_CLOSED = "dispute_closed"
    EVIDENCE_PAST_DUE = "evidence_past_due"
