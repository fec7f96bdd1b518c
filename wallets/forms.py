"""Wallet forms both faces show: the customer's wallet and the merchant's."""

from core.exceptions import ApplicationError
from core.forms import MoneyField, MoneyFormMixin, OneTimeKeyForm
from core.money import default_currency
from wallets.services import withdrawal_amount_check


class WalletAmountForm(MoneyFormMixin, OneTimeKeyForm):
    """An amount in the default currency, checked early by the wallet service's
    own rule so that its message shows beside the field."""

    amount = MoneyField(label="Amount")
    amount_rule: staticmethod  # the wallet service's check of this amount

    def clean(self):
        cleaned = super().clean()
        if isinstance(cleaned.get("amount"), int):
            try:
                self.amount_rule(amount=cleaned["amount"], currency=default_currency())
            except ApplicationError as refused:
                self.add_error("amount", refused.message)
        return cleaned


class WithdrawForm(WalletAmountForm):
    amount_rule = staticmethod(withdrawal_amount_check)
