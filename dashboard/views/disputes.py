"""Disputes: card payments a buyer's bank took back, with the money held, the
deadline, the evidence Kassa's records make, and "Submit evidence"."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import merchant_required
from core.exceptions import ApplicationError
from core.pages import page_of
from payments.selectors import dispute_evidence, dispute_get_for_merchant, dispute_list_for_merchant
from payments.services.disputes import dispute_submit_evidence


@merchant_required
def disputes(request):
    page = page_of(request, dispute_list_for_merchant(merchant=request.user))
    for dispute in page:
        dispute.shown_evidence = (
            dispute.evidence
            if dispute.status != dispute.Status.OPEN
            else dispute_evidence(payment=dispute.payment)
        )
    return render(request, "dashboard/disputes.html", {"page": page})


@merchant_required
@require_POST
def dispute_evidence_submit(request, dispute_id):
    dispute = dispute_get_for_merchant(merchant=request.user, dispute_id=dispute_id)
    try:
        dispute_submit_evidence(dispute=dispute)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Evidence submitted: the card network decides from it.")
    return redirect("dashboard:disputes")
