from enum import StrEnum


class WalletErrorCode(StrEnum):
    INSUFFICIENT_FUNDS = "insufficient_funds"
    CURRENCY_MISMATCH = "currency_mismatch"
    INVALID_TRANSFER = "invalid_transfer"
    MERCHANT_IN_DEBT = "merchant_in_debt"
    # The shape of a validation error: a field's rule said no.
    INVALID_AMOUNT = "invalid"
