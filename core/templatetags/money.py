from django import template

from core.forms import money_initial
from core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency):
    """{{ order.total|money:order.currency }} → "$25.00"."""
    if amount is None or amount == "":
        return ""
    return format_money(int(amount), currency)


@register.filter
def money_input(amount, currency):
    """{{ left|money_input:order.currency }} → "25.00": an amount as a person
    types it into a money field (no symbol, no thousands separator)."""
    if amount is None or amount == "":
        return ""
    return money_initial(int(amount), currency)
