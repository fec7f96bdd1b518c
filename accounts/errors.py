from enum import StrEnum


class AccountErrorCode(StrEnum):
    API_KEY_INVALID = "api_key_invalid"
    API_KEY_NOT_ALLOWED = "api_key_not_allowed"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOKEN_NOT_VALID = "token_not_valid"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    EMAIL_UNVERIFIED = "email_unverified"
    EMAIL_TAKEN = "email_taken"
    LINK_INVALID = "link_invalid"
    OTP_REQUIRED = "otp_required"
    OTP_ENROLMENT_REQUIRED = "otp_enrolment_required"
    OTP_INVALID = "otp_invalid"
    OTP_CHALLENGE_INVALID = "otp_challenge_invalid"
    OTP_ALREADY_ENABLED = "otp_already_enabled"
    OTP_NOT_ENABLED = "otp_not_enabled"
    OTP_CANNOT_DISABLE = "otp_cannot_disable"
    THROTTLED = "throttled"
