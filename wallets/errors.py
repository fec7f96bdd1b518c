from enum import StrEnum


class WalletErrorCode(StrEnum):
    INSUFFICIENT_FUNDS = "insufficient_funds"
    CURRENCY_MISMATCH = "currency_mismatch"
    INVALID_TRANSFER = "invalid_transfer"
