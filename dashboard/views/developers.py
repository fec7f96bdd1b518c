"""Developers: API keys ("Create key", "Revoke", last used) and the event
stream with its sequence numbers. Webhook endpoints and their delivery log are
in webhooks.py."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.authentication import request_two_factor_verified
from accounts.decorators import merchant_required
from accounts.selectors import api_key_get_for_merchant, api_key_list_for_merchant
from accounts.services import api_key_create, api_key_revoke
from core.pages import page_of, run_form_action
from dashboard.forms import ApiKeyForm
from events.selectors import event_list_newest_for_merchant
from events.types import registered

# A new key travels to the page that shows it once in a signed cookie that
# lives a minute and is deleted on that page: never in the session, which is
# stored in the database, where no key may be.
NEW_KEY_COOKIE = "kassa_new_key"
NEW_KEY_SALT = "dashboard.developers.new-key"
NEW_KEY_MAX_AGE = 60


@merchant_required
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = {}

        def create() -> dict:
            key, created["raw"] = api_key_create(
                merchant=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                two_factor_verified=request_two_factor_verified(request),
            )
            return {"key_id": str(key.pk)}  # what a resubmitted form replays: not the key

        outcome = run_form_action(request, form, create)
        response = redirect("dashboard:developers")
        if outcome is not None and outcome.replayed:
            messages.info(request, "That key was made already and shown once; revoke it if lost.")
        elif "raw" in created:
            response.set_signed_cookie(
                NEW_KEY_COOKIE,
                created["raw"],
                salt=NEW_KEY_SALT,
                max_age=NEW_KEY_MAX_AGE,
                path=request.path,
                secure=request.is_secure(),
                httponly=True,
                samesite="Strict",
            )
        return response
    new_key = request.get_signed_cookie(
        NEW_KEY_COOKIE, default=None, salt=NEW_KEY_SALT, max_age=NEW_KEY_MAX_AGE
    )
    response = render(
        request,
        "dashboard/developers_keys.html",
        {
            "form": form,
            "keys": page_of(request, api_key_list_for_merchant(merchant=request.user)),
            "new_key": new_key,
        },
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"
    if new_key is not None:
        response.delete_cookie(NEW_KEY_COOKIE, path=request.path, samesite="Strict")
    return response


@merchant_required
@require_POST
def api_key_revoke_view(request, key_id):
    key = api_key_revoke(key=api_key_get_for_merchant(merchant=request.user, key_id=key_id))
    messages.success(request, f"{key.name} ({key.shown}) is revoked: it answers 401 from now on.")
    return redirect("dashboard:developers")


@merchant_required
def events(request):
    event_type = request.GET.get("type") or None
    types = [event_type_.name for event_type_ in registered()]
    if event_type not in types:
        event_type = None
    stream = event_list_newest_for_merchant(merchant=request.user, event_type=event_type)
    return render(
        request,
        "dashboard/developers_events.html",
        {
            "page": page_of(request, stream),
            "types": types,
            "type": event_type,
            "query": f"type={event_type}" if event_type else "",
        },
    )
