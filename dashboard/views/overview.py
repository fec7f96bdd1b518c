"""The dashboard's first page: balance, today's and this month's sales, open
reservations, failed payments and a 30-day revenue chart."""

from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import merchant_required
from core.charts import daily_chart
from core.money import default_currency
from core.replica import reads_may_lag
from orders.selectors import (
    merchant_daily_revenue,
    merchant_open_reservations,
    merchant_sales_summary,
)
from payments.selectors import payment_failed_count_for_merchant
from wallets.selectors import wallet_balances


@merchant_required
@reads_may_lag
def overview(request):
    now = timezone.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = today.replace(day=1)
    chart_start = today - timedelta(days=29)
    daily = merchant_daily_revenue(merchant=request.user, since=chart_start)
    context = {
        "balances": wallet_balances(user=request.user, currency=default_currency()),
        "today": merchant_sales_summary(merchant=request.user, since=today),
        "month": merchant_sales_summary(merchant=request.user, since=month),
        "reservations": merchant_open_reservations(merchant=request.user),
        "failed": payment_failed_count_for_merchant(
            merchant=request.user, since=now - timedelta(hours=24)
        ),
        "chart": daily_chart(daily, last_day=today.date()),
        "currency": default_currency(),
    }
    return render(request, "dashboard/overview.html", context)
