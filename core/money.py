"""Money is an integer count of minor units (cents) plus an ISO 4217 code."""

from django.conf import settings
from django.http import QueryDict
from rest_framework import serializers

# Largest amount any request may carry: far above any real payment, far below
# the 2^63 limit of a bigint column, so arithmetic on it can never overflow.
MAX_AMOUNT = 10**12


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else.

    Stricter than IntegerField: rejects booleans, floats such as 10.0, numeric
    strings and NaN/Infinity instead of coercing them. The one exception is an
    HTML form of the browsable API, where every value is text: there, digits.
    """

    default_error_messages = {"invalid": "Must be a whole number (a JSON integer)."}

    def to_internal_value(self, data):
        if isinstance(data, str) and self._from_html_form() and data.isascii() and data.isdigit():
            return super().to_internal_value(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data

    def _from_html_form(self) -> bool:
        return isinstance(getattr(self.root, "initial_data", None), QueryDict)


MINOR_UNITS_HELP = "In cents (minor units): 2500 is $25.00."


class AmountField(StrictIntegerField):
    """A positive number of minor units, capped at MAX_AMOUNT."""

    default_error_messages = {
        "invalid": "Must be a whole number of minor units (e.g. 1050 for 10.50).",
    }

    def __init__(self, *, min_value: int = 1, max_value: int = MAX_AMOUNT, **kwargs):
        kwargs.setdefault("help_text", MINOR_UNITS_HELP)
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


# ISO 4217 minor-unit exponents that are not 2.
_EXPONENTS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def minor_unit_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def to_minor_units(text: str, currency: str) -> int:
    """ "25.00" → 2500 (USD), "500" → 500 (JPY). The one way people's amounts enter.

    Raises ValueError with a sentence for people: more decimals than the
    currency has, a sign, anything but digits and one point, zero, or too much.
    """
    exponent = minor_unit_exponent(currency)
    text = text.strip().replace(",", "")
    whole, _, fraction = text.partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or "." in fraction:
        raise ValueError("Enter an amount such as 25.00.")
    if len(fraction) > exponent:
        places = f"{exponent} decimal places" if exponent else "no decimals"
        raise ValueError(f"{currency} amounts have {places}.")
    amount = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or 0)
    if amount <= 0:
        raise ValueError("Enter an amount above zero.")
    if amount > MAX_AMOUNT:
        raise ValueError("That amount is too large.")
    return amount


def to_major_units(amount: int, currency: str) -> str:
    """2500 → "25.00" (USD): what a form shows back to people."""
    exponent = minor_unit_exponent(currency)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**exponent)
    return f"{sign}{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")


def format_money(amount: int, currency: str) -> str:
    """2500, "USD" → "$25.00"; 2500, "CHF" → "25.00 CHF". How pages show money."""
    text = to_major_units(amount, currency)
    symbol = _SYMBOLS.get(currency.upper())
    if symbol is None:
        return f"{text} {currency.upper()}"
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
