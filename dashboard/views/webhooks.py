"""Developers → Webhooks: endpoints (URL, events, secret, status; "Reveal",
"Roll secret", "Send test event", enable or disable, delete) and the delivery
log with its filters and "Redeliver"."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import merchant_required
from core.exceptions import ApplicationError
from core.pages import page_of
from dashboard.forms import WebhookEndpointForm
from events.models import WebhookDelivery
from events.selectors import (
    webhook_delivery_get_for_merchant,
    webhook_delivery_list_for_merchant,
    webhook_endpoint_get_for_merchant,
    webhook_endpoint_list_for_merchant,
    webhook_endpoint_secret_details,
)
from events.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_roll_secret,
    webhook_endpoint_send_test,
    webhook_endpoint_update,
)
from events.types import registered


def _revealing(endpoint_id) -> str:
    return reverse("dashboard:webhooks") + f"?reveal={endpoint_id}#endpoint-{endpoint_id}"


@merchant_required
def webhook_endpoints(request):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, _ = webhook_endpoint_create(
                merchant=request.user,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ApplicationError as refused:
            field = next(iter(refused.extra.get("errors", {})), None)
            form.add_error(field, refused.message)
        else:
            messages.success(request, "Endpoint added. Its signing secret is shown below.")
            return redirect(_revealing(endpoint.pk))
    endpoints = list(webhook_endpoint_list_for_merchant(merchant=request.user))
    revealed = request.GET.get("reveal")
    for endpoint in endpoints:
        if revealed == str(endpoint.pk):
            endpoint.revealed = webhook_endpoint_secret_details(endpoint=endpoint)
    response = render(
        request,
        "dashboard/developers_webhooks.html",
        {"form": form, "endpoints": endpoints},
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"  # a revealed secret stays out of caches
    return response


ENDPOINT_ACTIONS = ("roll", "test", "delete", "enable", "disable")


@merchant_required
@require_POST
def webhook_endpoint_action(request, endpoint_id, action):
    if action not in ENDPOINT_ACTIONS:
        raise Http404("No such action.")
    endpoint = webhook_endpoint_get_for_merchant(merchant=request.user, endpoint_id=endpoint_id)
    if action == "roll":
        webhook_endpoint_roll_secret(endpoint=endpoint)
        messages.success(request, "New secret made; the old one stays valid for 24 hours.")
        return redirect(_revealing(endpoint.pk))
    if action == "test":
        webhook_endpoint_send_test(endpoint=endpoint)
        messages.success(request, "Test event sent: its delivery is in the log.")
        return redirect(reverse("dashboard:webhook_deliveries") + f"?endpoint={endpoint.pk}")
    if action == "delete":
        webhook_endpoint_delete(endpoint=endpoint)
        messages.success(request, f"{endpoint.url} deleted with its delivery log.")
        return redirect("dashboard:webhooks")
    enabled = action == "enable"
    webhook_endpoint_update(endpoint=endpoint, enabled=enabled)
    messages.success(request, f"{endpoint.url} {'enabled' if enabled else 'disabled'}.")
    return redirect("dashboard:webhooks")


@merchant_required
def webhook_deliveries(request):
    endpoints = list(webhook_endpoint_list_for_merchant(merchant=request.user))
    chosen = {
        "endpoint": request.GET.get("endpoint") or None,
        "status": request.GET.get("status") or None,
        "type": request.GET.get("type") or None,
    }
    if chosen["endpoint"] not in {str(endpoint.pk) for endpoint in endpoints}:
        chosen["endpoint"] = None
    if chosen["status"] not in WebhookDelivery.Status.values:
        chosen["status"] = None
    types = [event_type.name for event_type in registered()]
    if chosen["type"] not in types:
        chosen["type"] = None
    deliveries = webhook_delivery_list_for_merchant(
        merchant=request.user,
        endpoint_id=chosen["endpoint"],
        status=chosen["status"],
        event_type=chosen["type"],
    )
    query = "&".join(f"{name}={value}" for name, value in chosen.items() if value)
    return render(
        request,
        "dashboard/developers_deliveries.html",
        {
            "page": page_of(request, deliveries),
            "endpoints": endpoints,
            "statuses": WebhookDelivery.Status.choices,
            "types": types,
            "chosen": chosen,
            "query": query,
        },
    )


@merchant_required
@require_POST
def webhook_delivery_redeliver_view(request, delivery_id):
    delivery = webhook_delivery_get_for_merchant(merchant=request.user, delivery_id=delivery_id)
    try:
        webhook_delivery_redeliver(delivery=delivery)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Back in the queue: it goes out next.")
    return redirect("dashboard:webhook_deliveries")
