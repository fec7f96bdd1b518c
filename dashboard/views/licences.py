"""A licence product's keys: masked, with their status and activations;
"Disable", "Enable" and "Reset activations"."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import merchant_required
from catalog.keys import licence_key, licence_key_mask
from catalog.selectors import (
    licence_get_for_product,
    licence_list_for_product,
    licence_product_get_own,
)
from catalog.services import licence_activations_reset, licence_disable, licence_enable
from core.exceptions import ApplicationError
from core.pages import page_of

ACTIONS = {
    "disable": (licence_disable, "Disabled: the key answers licence_not_found until enabled."),
    "enable": (licence_enable, "Enabled: the key works again."),
    "reset": (licence_activations_reset, "Activations reset: every machine was deactivated."),
}


@merchant_required
def product_licences(request, product_id):
    product = licence_product_get_own(user=request.user, product_id=product_id)
    licences = page_of(request, licence_list_for_product(product=product))
    now = timezone.now()
    for licence in licences:
        licence.masked = licence_key_mask(licence_key(licence))
        licence.status = licence.status_at(now)
        licence.live = [a for a in licence.activations.all() if a.deactivated_at is None]
    context = {"product": product, "licences": licences}
    return render(request, "dashboard/product_licences.html", context)


@merchant_required
@require_POST
def licence_action(request, product_id, licence_id, action):
    product = licence_product_get_own(user=request.user, product_id=product_id)
    licence = licence_get_for_product(product=product, licence_id=licence_id)
    service, done = ACTIONS[action]
    try:
        service(licence=licence)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect("dashboard:product_licences", product_id=product.pk)
