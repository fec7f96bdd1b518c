"""The customer's wallet: balance, card deposits, withdrawals and the history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.authentication import request_two_factor_verified
from core.money import default_currency, format_money
from core.pages import page_of, run_form_action
from payments.models import Payment
from payments.services import wallet_topup_by_card
from storefront.forms import DepositForm
from wallets.forms import WithdrawForm
from wallets.selectors import wallet_transaction_list
from wallets.services import wallet_get_or_create, wallet_withdraw


def _wallet_page(request, *, deposit=None, withdraw=None, status=200):
    currency = default_currency()
    context = {
        "wallet": wallet_get_or_create(user=request.user, currency=currency),
        "entries": page_of(
            request, wallet_transaction_list(user=request.user, filters={"currency": currency})
        ),
        "deposit_form": deposit or DepositForm(prefix="deposit"),
        "withdraw_form": withdraw or WithdrawForm(prefix="withdraw"),
    }
    return render(request, "storefront/wallet.html", context, status=status)


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
    return redirect("storefront:wallet")


@login_required
@require_POST
def withdraw(request):
    form = WithdrawForm(request.POST, prefix="withdraw")
    if not form.is_valid():
        return _wallet_page(request, withdraw=form, status=400)
    amount = form.cleaned_data["amount"]

    def pay_out() -> dict:
        entry = wallet_withdraw(
            user=request.user,
            amount=amount,
            currency=default_currency(),
            two_factor_verified=request_two_factor_verified(request),
        )
        return {"entry_id": entry.pk}

    outcome = run_form_action(request, form, pay_out)
    if outcome is not None and outcome.ok and not outcome.replayed:
        messages.success(request, f"Withdrew {format_money(amount, default_currency())}.")
    return redirect("storefront:wallet")
