from enum import StrEnum


class AccountErrorCode(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"
    TOKEN_NOT_VALID = "token_not_valid"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
