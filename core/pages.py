"""Small helpers every page view shares."""

from django.contrib import messages
from django.core.paginator import Paginator

from core.exceptions import ApplicationError
from core.idempotency import FormOutcome, idempotent_form_action

PAGE_SIZE = 20


def refusal_message(body: dict) -> str:
    """A refusal's message for people; stock shortages name each product and what is left."""
    short = body.get("products")
    if body.get("code") == "insufficient_stock" and short:
        return (
            "Not enough stock: "
            + "; ".join(
                f"{line['name'] or 'a product'} has {line['available']} left" for line in short
            )
            + "."
        )
    return body.get("detail", "That did not work.")


def run_form_action(request, form, run, *, atomic: bool = True) -> FormOutcome | None:
    """Run a money-moving form's action once per rendered form (its one-time key).
    Says what happened through messages when it was refused or replayed; returns
    None when the key itself was refused."""
    try:
        outcome = idempotent_form_action(
            request, key=form.cleaned_data["form_key"], run=run, atomic=atomic
        )
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return None
    if not outcome.ok:
        messages.error(request, refusal_message(outcome.body))
    elif outcome.replayed:
        messages.info(request, "That form was already sent; this is what it did.")
    return outcome


def page_of(request, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))
