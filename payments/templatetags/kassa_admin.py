"""The staff's admin index: today's business and the payments that need a look."""

from datetime import timedelta

from django import template
from django.conf import settings
from django.utils import timezone

from core.admin import is_platform_admin
from core.money import default_currency
from orders.selectors import order_day_summary
from payments.selectors import payment_exhausted_list, payment_health

register = template.Library()


@register.inclusion_tag("admin/_kassa_summary.html", takes_context=True)
def kassa_summary(context):
    request = context["request"]
    if not is_platform_admin(request.user):
        return {"show": False}
    now = timezone.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    stuck_after = timedelta(seconds=settings.PAYMENT_STUCK_AFTER_SECONDS)
    return {
        "show": True,
        "today": order_day_summary(since=today),
        "payments": payment_health(now=now, stuck_after=stuck_after),
        "dead_letters": payment_exhausted_list(),
        "currency": default_currency(),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
