"""Money is an integer count of minor units (cents) plus an ISO 4217 code."""

from django.conf import settings
from rest_framework import serializers

# Largest amount any request may carry: far above any real payment, far below
# the 2^63 limit of a bigint column, so arithmetic on it can never overflow.
MAX_AMOUNT = 10**12


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else.

    Stricter than IntegerField: rejects booleans, floats such as 10.0, numeric
    strings and NaN/Infinity instead of coercing them.
    """

    default_error_messages = {"invalid": "Must be a whole number (a JSON integer)."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class AmountField(StrictIntegerField):
    """A positive number of minor units, capped at MAX_AMOUNT."""

    default_error_messages = {
        "invalid": "Must be a whole number of minor units (e.g. 1050 for 10.50).",
    }

    def __init__(self, *, min_value: int = 1, max_value: int = MAX_AMOUNT, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


def currencies() -> list[str]:
    return list(settings.KASSA_CURRENCIES)


def default_currency() -> str:
    return settings.KASSA_CURRENCIES[0]


class CurrencyField(serializers.CharField):
    default_error_messages = {"unsupported": "Unsupported currency {value}; use one of {allowed}."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("min_length", 3)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data).upper()
        if code not in currencies():
            self.fail("unsupported", value=code, allowed=", ".join(currencies()))
        return code
