"""What payments adds to verify_ledger: the money held for card refunds and for
open disputes."""

from django.db.models import Sum

from payments.models import Dispute, PaymentRefund
from wallets.models import Wallet


def refund_holds_match_pending_refunds() -> list[str]:
    held = dict(
        Wallet.objects.filter(
            kind=Wallet.Kind.SYSTEM, system_name=Wallet.System.REFUNDS_PENDING
        ).values_list("currency", "balance")
    )
    pending = dict(
        PaymentRefund.objects.filter(status=PaymentRefund.Status.PENDING)
        .values("payment__currency")
        .annotate(total=Sum("amount"))
        .values_list("payment__currency", "total")
    )
    return [
        f"currency {currency}: refunds pending hold {held.get(currency, 0)} "
        f"but pending refunds sum to {pending.get(currency, 0)}"
        for currency in sorted(set(held) | set(pending))
        if held.get(currency, 0) != pending.get(currency, 0)
    ]


def disputes_hold_matches_open_disputes() -> list[str]:
    held = dict(
        Wallet.objects.filter(
            kind=Wallet.Kind.SYSTEM, system_name=Wallet.System.DISPUTES_HOLD
        ).values_list("currency", "balance")
    )
    open_disputes = dict(
        Dispute.objects.filter(status=Dispute.Status.OPEN)
        .values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    return [
        f"currency {currency}: the disputes hold has {held.get(currency, 0)} "
        f"but open disputes sum to {open_disputes.get(currency, 0)}"
        for currency in sorted(set(held) | set(open_disputes))
        if held.get(currency, 0) != open_disputes.get(currency, 0)
    ]
