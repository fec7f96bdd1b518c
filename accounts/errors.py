from enum import StrEnum


class AccountErrorCode(StrEnum):
    API_KEY_INVALID = "api_key_invalid"
    API_KEY_NOT_ALLOWED = "api_key_not_allowed"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOKEN_NOT_VALID = "token_not_valid"
