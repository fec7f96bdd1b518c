"""The wallet page: balance, card deposits, withdrawals and the ledger history."""

import csv
from datetime import UTC, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import merchant_required
from core.money import default_currency, format_money, to_major_units
from core.pages import page_of, run_form_action
from orders.selectors import merchant_sale_lines
from payments.models import Payment
from payments.services import wallet_topup_by_card
from wallets.forms import DateRangeForm, DepositForm, WithdrawForm
from wallets.selectors import wallet_transaction_list
from wallets.services import wallet_get_or_create, wallet_withdraw


def _wallet_page(
    request, *, deposit=None, withdraw=None, status=200, template="wallets/wallet.html", extra=None
):
    currency = default_currency()
    context = {
        "wallet": wallet_get_or_create(user=request.user, currency=currency),
        "entries": page_of(
            request, wallet_transaction_list(user=request.user, filters={"currency": currency})
        ),
        "deposit_form": deposit or DepositForm(prefix="deposit"),
        "withdraw_form": withdraw or WithdrawForm(prefix="withdraw"),
    }
    return render(request, template, context | (extra or {}), status=status)


@login_required
def wallet(request):
    return _wallet_page(request)


@login_required
@require_POST
def deposit(request):
    form = DepositForm(request.POST, prefix="deposit")
    if not form.is_valid():
        return _wallet_page(request, deposit=form, status=400)
    data = form.cleaned_data

    def top_up() -> dict:
        payment = wallet_topup_by_card(
            user=request.user,
            amount=data["amount"],
            currency=default_currency(),
            card_token=data["card_token"],
            request_key=request.idempotency_key,
        )
        return {"status": payment.status, "message": payment.failure_message}

    # The card is charged inside: never within a transaction.
    outcome = run_form_action(request, form, top_up, atomic=False)
    if outcome is not None and outcome.ok and not outcome.replayed:
        amount = format_money(data["amount"], default_currency())
        if outcome.body["status"] == Payment.Status.FAILED:
            messages.error(request, f"The card was declined: {outcome.body['message']}")
        elif outcome.body["status"] in Payment.CAPTURED:
            messages.success(request, f"Deposited {amount}.")
        else:
            messages.info(
                request, f"The card network has not answered yet; {amount} arrives once it does."
            )
    return redirect("wallets:wallet")


@login_required
@require_POST
def withdraw(request):
    form = WithdrawForm(request.POST, prefix="withdraw")
    if not form.is_valid():
        return _wallet_page(request, withdraw=form, status=400)
    amount = form.cleaned_data["amount"]

    def pay_out() -> dict:
        entry = wallet_withdraw(user=request.user, amount=amount, currency=default_currency())
        return {"entry_id": entry.pk}

    outcome = run_form_action(request, form, pay_out)
    if outcome is not None and outcome.ok and not outcome.replayed:
        messages.success(request, f"Withdrew {format_money(amount, default_currency())}.")
    return redirect("wallets:wallet")


# --- the merchant dashboard: wallet and exports ------------------------------------


@merchant_required
def dashboard_wallet(request):
    return _wallet_page(
        request, template="dashboard/wallet.html", extra={"range_form": DateRangeForm()}
    )


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _period(request):
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        return None
    return form.cleaned_data["start"], form.cleaned_data["end"]


@merchant_required
def export_sales(request):
    """Every line of the merchant's orders placed in the period, as CSV."""
    period = _period(request)
    if period is None:
        messages.error(request, "Choose the first and last day of the period.")
        return redirect("wallets:dashboard_wallet")
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
    return _csv_response(f"kassa-sales-{period[0]}-{period[1]}.csv", header, rows)


@merchant_required
def export_ledger(request):
    """Every movement of the merchant's wallets in the period, as CSV: it sums
    to the change of the balance over the period."""
    period = _period(request)
    if period is None:
        messages.error(request, "Choose the first and last day of the period.")
        return redirect("wallets:dashboard_wallet")
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
    return _csv_response(f"kassa-ledger-{period[0]}-{period[1]}.csv", header, rows)


def _day_start(day):
    return datetime.combine(day, time.min, tzinfo=UTC)
