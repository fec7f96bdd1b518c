"""The buyer's orders: the list, an order's page with its live status and its
deliveries (codes, licence keys and their activations, files), cancelling,
paying by card."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.authentication import JWTAuthentication
from catalog.selectors import licence_get_for_order
from catalog.services import licence_deactivate_instance
from core.clients import client_ip
from core.exceptions import ApplicationError
from core.pages import page_of, run_form_action
from orders.downloads import DownloadGone, DownloadUnavailable, download_grant_for_token
from orders.models import DeliveryAccess, DownloadGrant, Order
from orders.selectors import (
    order_deliveries,
    order_event_list,
    order_fulfilment_note,
    order_get_visible,
    order_lines_with_products,
    order_list_for_buyer,
    order_receipt,
)
from orders.services import order_cancel, order_receipt_resend
from orders.services.delivery import (
    delivery_access_record,
    download_consume,
    download_link_renew,
)
from orders.services.receipts import RECEIPTED
from payments.gateways import TransientGatewayError, browser_payments_enabled
from payments.models import Outcome, Payment
from payments.selectors import payment_list_for_order
from payments.services import payment_create_for_order, payment_start_in_browser
from storefront.forms import CardPaymentForm

# Stripe.js and its frames, allowed only on the page that shows the Payment Element.
STRIPE_CSP = {
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["'self'", "https://api.stripe.com"],
}

LIVE = (Payment.Status.PENDING, Payment.Status.PROCESSING)


@login_required
def order_list(request):
    page = page_of(request, order_list_for_buyer(buyer=request.user))
    return render(request, "storefront/order_list.html", {"page": page})


def _own_order(request, order_id) -> Order:
    order = order_get_visible(user=request.user, order_id=order_id)
    if order.buyer_id != request.user.pk and not request.user.is_admin:
        raise PermissionDenied
    return order


def _waiting_for_the_gateway(payment: Payment) -> bool:
    """Still being charged: not final, and not waiting because card payments are
    unavailable (the gateway refused Kassa itself), which no polling changes."""
    attempts = list(payment.attempts.all())
    unavailable = bool(attempts) and attempts[-1].outcome == Outcome.UNAVAILABLE
    return payment.status in LIVE and not unavailable


def _status_context(order: Order) -> dict:
    payments = payment_list_for_order(order=order)
    processing = order.status == Order.Status.PAYMENT_PENDING and any(
        _waiting_for_the_gateway(payment) for payment in payments
    )
    # The last card failed and the reservation still holds: another card may pay.
    try_again = (
        order.status == Order.Status.PAYMENT_PENDING
        and bool(payments)
        and payments[0].status == Payment.Status.FAILED
    )
    return {
        "order": order,
        "payments": payments,
        "processing": processing,
        "try_again": try_again,
    }


@login_required
def order_detail(request, order_id):
    order = _own_order(request, order_id)
    deliveries = order_deliveries(order=order, viewer=request.user)
    _note_codes_shown(request, order, deliveries)
    items = list(order_lines_with_products(order=order))
    context = _status_context(order) | {
        "events": order_event_list(order=order),
        "deliveries": deliveries,
        "items": items,
        # Lines the merchant sends by hand, and who sends them.
        "by_hand": [item for item in items if not item.product.delivers_itself],
        "note": order_fulfilment_note(order=order, viewer=request.user),
    }
    return render(request, "storefront/order_detail.html", context)


def _note_codes_shown(request, order: Order, deliveries: list[dict]) -> None:
    """The buyer saw the order's codes or licence keys: a dispute's evidence
    says so."""
    shown = any(d.get("codes") or d.get("licences") for d in deliveries)
    if order.buyer_id == request.user.pk and shown:
        delivery_access_record(
            order=order,
            kind=DeliveryAccess.Kind.CODES_SHOWN,
            user=request.user,
            ip=client_ip(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )


@login_required
def order_status(request, order_id):
    """The live part of the order page, polled by htmx while a payment runs.
    Once it has ended the whole page reloads: the codes, the buttons and the
    history change with it, not only this part."""
    context = _status_context(_own_order(request, order_id))
    if request.htmx and not context["processing"]:
        return HttpResponseClientRefresh()
    return render(request, "storefront/_order_status.html", context)


@login_required
@require_POST
def order_cancel_view(request, order_id):
    order = _own_order(request, order_id)
    try:
        order_cancel(order=order, actor=request.user, reason="cancelled by the buyer")
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Order cancelled; its items are back in stock.")
    return redirect("storefront:order", order_id=order.pk)


@login_required
@require_http_methods(["GET", "POST"])
def order_pay(request, order_id):
    order = _own_order(request, order_id)
    if order.status != Order.Status.PAYMENT_PENDING:
        messages.info(request, f"This order is {order.get_status_display().lower()}.")
        return redirect("storefront:order", order_id=order.pk)
    if browser_payments_enabled():
        return _pay_in_browser(request, order)
    form = CardPaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def pay() -> dict:
            payment = payment_create_for_order(
                order=order, payer=request.user, card_token=form.cleaned_data["card_token"]
            )
            return {"payment_id": str(payment.pk)}

        outcome = run_form_action(request, form, pay)
        if outcome is not None and outcome.ok:
            return redirect(reverse("storefront:order", args=[order.pk]))
    return render(request, "storefront/order_pay.html", {**_status_context(order), "form": form})


def _pay_in_browser(request, order: Order):
    """The card page with Stripe's Payment Element: Stripe.js confirms the
    payment in the browser, then returns to the order page; the webhook settles."""
    try:
        _, client_secret = payment_start_in_browser(order=order, payer=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return redirect("storefront:order", order_id=order.pk)
    except TransientGatewayError:
        messages.error(request, "The card network cannot be reached right now; try again soon.")
        return redirect("storefront:order", order_id=order.pk)
    response = render(
        request,
        "storefront/order_pay_stripe.html",
        {
            "order": order,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "client_secret": client_secret,
            "return_url": request.build_absolute_uri(reverse("storefront:order", args=[order.pk])),
        },
    )
    response._csp_update = STRIPE_CSP  # django-csp's per-response addition
    return response


@login_required
@require_POST
def download_renew(request, order_id, line_id):
    """ "New download link": a fresh link; the old one stops working."""
    order = _own_order(request, order_id)
    try:
        download_link_renew(order=order, line_id=line_id, buyer=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Here is a new download link.")
    return redirect("storefront:order", order_id=order.pk)


@login_required
@require_POST
def licence_deactivate_view(request, order_id, licence_id, instance_id):
    """ "Deactivate": free one of the buyer's seats, say for a new machine."""
    order = _own_order(request, order_id)
    if order.buyer_id != request.user.pk:
        raise PermissionDenied
    licence = licence_get_for_order(order_id=order.pk, licence_id=licence_id)
    try:
        licence_deactivate_instance(licence=licence, instance_id=instance_id)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Deactivated: that seat is free for another machine.")
    return redirect("storefront:order", order_id=order.pk)


@require_GET
def download(request, token):
    """Serve a bought file to its buyer, counting the download. The buyer is
    known by the session (the order page's link) or a bearer token (the API's)."""
    user = request.user if request.user.is_authenticated else None
    if user is None and "HTTP_AUTHORIZATION" in request.META:
        try:
            user = (JWTAuthentication().authenticate(request) or (None,))[0]
        except Exception:  # a bad or expired token: the same answer as none
            return HttpResponse("A valid bearer token is required.", status=401)
    if user is None:
        return redirect_to_login(request.get_full_path())
    try:
        product, handle = download_consume(
            grant_id=download_grant_for_token(token),
            user=user,
            ip=client_ip(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except (signing.BadSignature, DownloadGrant.DoesNotExist) as unknown:
        raise Http404("No such download.") from unknown
    except DownloadGone as gone:
        context = {"title": "This download link no longer works", "message": str(gone)}
        return render(request, "storefront/download_gone.html", context, status=410)
    except DownloadUnavailable as unavailable:
        context = {"title": "This file is not available right now", "message": str(unavailable)}
        return render(request, "storefront/download_gone.html", context, status=503)
    return FileResponse(handle, as_attachment=True, filename=product.download_name)


@login_required
def order_receipt_view(request, order_id):
    """The printable receipt, for a paid order."""
    order = _own_order(request, order_id)
    if order.status not in RECEIPTED:
        messages.info(request, "This order has a receipt once it is paid.")
        return redirect("storefront:order", order_id=order.pk)
    return render(request, "storefront/order_receipt.html", {"receipt": order_receipt(order=order)})


@login_required
@require_POST
def order_receipt_email(request, order_id):
    """ "Email my receipt again"."""
    order = _own_order(request, order_id)
    try:
        order_receipt_resend(order=order)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Your receipt is on its way to {order.buyer.email}.")
    return redirect("storefront:order", order_id=order.pk)
