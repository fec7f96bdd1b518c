from enum import StrEnum


class EventErrorCode(StrEnum):
    ADDRESS_NOT_ALLOWED = "address_not_allowed"
    ALREADY_DELIVERED = "already_delivered"
    ENDPOINT_DISABLED = "endpoint_disabled"
    INVALID_TRANSITION = "invalid_transition"
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    URL_INVALID = "url_invalid"
    URL_NOT_HTTPS = "url_not_https"
    URL_NOT_RESOLVABLE = "url_not_resolvable"
