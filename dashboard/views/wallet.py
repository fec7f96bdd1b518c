"""The merchant wallet: balance, "Withdraw", history, and CSV exports of sales
and of the ledger for a period."""

from datetime import UTC, datetime, time, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render

from accounts.decorators import merchant_required
from core.csv_export import csv_response
from core.money import default_currency, to_major_units
from core.pages import page_of
from core.replica import reads_may_lag
from dashboard.forms import DateRangeForm
from orders.selectors import merchant_sale_lines
from wallets.forms import WithdrawForm
from wallets.selectors import wallet_balances, wallet_transaction_list


@merchant_required
def wallet(request):
    currency = default_currency()
    context = {
        "balances": wallet_balances(user=request.user, currency=currency),
        "entries": page_of(
            request, wallet_transaction_list(user=request.user, filters={"currency": currency})
        ),
        "withdraw_form": WithdrawForm(prefix="withdraw"),
        "range_form": DateRangeForm(),
    }
    return render(request, "dashboard/wallet.html", context)


def _period(request):
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        return None
    return form.cleaned_data["start"], form.cleaned_data["end"]


@merchant_required
@reads_may_lag
def export_sales(request):
    """Every line of the merchant's orders placed in the period, as CSV."""
    period = _period(request)
    if period is None:
        messages.error(request, "Choose the first and last day of the period.")
        return redirect("dashboard:wallet")
    lines = merchant_sale_lines(merchant=request.user, start=period[0], end=period[1])
    rows = (
        [
            line.order.created_at.isoformat(timespec="seconds"),
            line.order_id,
            line.order.status,
            line.name,
            line.quantity,
            to_major_units(line.unit_price, line.order.currency).replace(",", ""),
            to_major_units(line.subtotal, line.order.currency).replace(",", ""),
            line.order.currency,
        ]
        for line in lines
    )
    header = [
        "placed_at",
        "order_id",
        "status",
        "product",
        "quantity",
        "unit_price",
        "subtotal",
        "currency",
    ]
    return csv_response(f"kassa-sales-{period[0]}-{period[1]}.csv", header, rows)


@merchant_required
@reads_may_lag
def export_ledger(request):
    """Every movement of the merchant's wallets in the period, as CSV: it sums
    to the change of the balance over the period."""
    period = _period(request)
    if period is None:
        messages.error(request, "Choose the first and last day of the period.")
        return redirect("dashboard:wallet")
    entries = wallet_transaction_list(
        user=request.user,
        filters={
            "created_after": _day_start(period[0]),
            "created_before": _day_start(period[1] + timedelta(days=1)),
        },
    ).order_by("id")
    rows = (
        [
            entry.created_at.isoformat(timespec="seconds"),
            entry.transfer.kind,
            entry.transfer.reference,
            entry.transfer.description,
            to_major_units(entry.amount, entry.wallet.currency).replace(",", ""),
            to_major_units(entry.balance_after, entry.wallet.currency).replace(",", ""),
            entry.wallet.currency,
        ]
        for entry in entries
    )
    header = ["at", "kind", "reference", "description", "amount", "balance_after", "currency"]
    return csv_response(f"kassa-ledger-{period[0]}-{period[1]}.csv", header, rows)


def _day_start(day):
    return datetime.combine(day, time.min, tzinfo=UTC)
