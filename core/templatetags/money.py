from django import template

from core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency):
    """{{ order.total|money:order.currency }} → "$25.00"."""
    if amount is None or amount == "":
        return ""
    return format_money(int(amount), currency)
