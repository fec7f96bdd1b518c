"""Storefront pages for the cart, checkout and orders, over the order and
payment services the API uses."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from accounts.authentication import JWTAuthentication
from accounts.decorators import merchant_required
from core.charts import HEIGHT as CHART_HEIGHT
from core.charts import WIDTH as CHART_WIDTH
from core.charts import daily_bars
from core.exceptions import ApplicationError
from core.money import default_currency
from core.pages import page_of, run_form_action
from orders.cart import cart_add as add_to_cart
from orders.cart import cart_clear, cart_lines, cart_order_items, cart_set
from orders.downloads import DownloadGone, DownloadUnavailable, download_grant_for_token
from orders.errors import OrderErrorCode
from orders.forms import CardPaymentForm, CartAddForm, CartUpdateForm, CheckoutForm, RefundForm
from orders.models import DownloadGrant, Order
from orders.selectors import (
    merchant_daily_revenue,
    merchant_open_reservations,
    merchant_sales_summary,
    order_deliveries,
    order_event_list,
    order_get_visible,
    order_list_for_buyer,
    order_list_for_merchant,
    order_merchant_ids,
)
from orders.services import order_cancel, order_fulfill, order_place
from orders.services.delivery import download_consume, download_link_renew
from payments.gateways import TransientGatewayError, browser_payments_enabled
from payments.models import Payment
from payments.selectors import payment_failed_count_for_merchant, payment_list_for_order
from payments.services import payment_create_for_order, payment_start_in_browser, refund_order
from wallets.services import wallet_get_or_create

# Stripe.js and its frames, allowed only on the page that shows the Payment Element.
STRIPE_CSP = {
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["'self'", "https://api.stripe.com"],
}

LIVE = (Payment.Status.PENDING, Payment.Status.PROCESSING)


@login_required
@require_GET
def cart(request):
    lines, dropped = cart_lines(request.session)
    _say_dropped(request, dropped)
    return render(request, "orders/cart.html", _cart_context(lines, CheckoutForm()))


def _say_dropped(request, dropped: list[str]) -> None:
    if dropped:
        messages.warning(
            request, f"No longer sold, so taken out of your cart: {', '.join(dropped)}."
        )


def _cart_context(lines, form) -> dict:
    return {
        "lines": lines,
        "total": sum(line.subtotal for line in lines),
        "currency": lines[0].currency if lines else "",
        "form": form,
    }


@require_POST
def cart_add(request):
    form = CartAddForm(request.POST)
    if not request.user.is_authenticated:
        # Back to the product after logging in, not to this POST-only address.
        back = (
            reverse("catalog:detail", args=[form.cleaned_data["product_id"]])
            if form.is_valid()
            else reverse("catalog:list")
        )
        return redirect_to_login(back)
    if form.is_valid():
        add_to_cart(request.session, **form.cleaned_data)
        messages.success(request, "Added to your cart.")
    else:
        messages.error(request, "Choose a quantity from 1 to 100.")
    return redirect("orders:cart")


@login_required
@require_POST
def cart_update(request):
    form = CartUpdateForm(request.POST)
    if form.is_valid():
        cart_set(request.session, **form.cleaned_data)
        removed = form.cleaned_data["quantity"] == 0
        messages.success(request, "Removed from your cart." if removed else "Cart updated.")
    else:
        messages.error(request, "Choose a quantity from 0 to 100.")
    return redirect("orders:cart")


@login_required
@require_POST
def checkout(request):
    form = CheckoutForm(request.POST)
    lines, dropped = cart_lines(request.session)
    if dropped:  # the cart changed under the customer: show it again first
        _say_dropped(request, dropped)
        return redirect("orders:cart")
    if not form.is_valid():
        return render(request, "orders/cart.html", _cart_context(lines, form), status=400)

    def place() -> dict:
        # Checked inside the action: a form sent again after its order emptied
        # the cart must replay that order, not be refused as empty.
        if not lines:
            raise ApplicationError(
                "Your cart is empty.", code=OrderErrorCode.EMPTY_CART, status=400
            )
        order = order_place(
            buyer=request.user,
            items=cart_order_items(lines),
            payment_method=form.cleaned_data["payment_method"],
        )
        return {"order_id": str(order.pk), "payment_method": order.payment_method}

    outcome = run_form_action(request, form, place)
    if outcome is None or not outcome.ok:
        return redirect("orders:cart")  # the cart is kept, nothing was charged
    cart_clear(request.session)
    order_id = outcome.body["order_id"]
    if outcome.body["payment_method"] == Order.PaymentMethod.CARD:
        return redirect("orders:pay", order_id=order_id)
    if not outcome.replayed:
        messages.success(request, "Thank you: your order is paid.")
    return redirect("orders:detail", order_id=order_id)


@login_required
def order_list(request):
    page = page_of(request, order_list_for_buyer(buyer=request.user))
    return render(request, "orders/order_list.html", {"page": page})


def _own_order(request, order_id) -> Order:
    order = order_get_visible(user=request.user, order_id=order_id)
    if order.buyer_id != request.user.pk and not request.user.is_admin:
        raise PermissionDenied
    return order


def _status_context(order: Order) -> dict:
    payments = payment_list_for_order(order=order)
    processing = order.status == Order.Status.PAYMENT_PENDING and any(
        payment.status in LIVE for payment in payments
    )
    return {"order": order, "payments": payments, "processing": processing}


@login_required
def order_detail(request, order_id):
    order = _own_order(request, order_id)
    context = _status_context(order) | {
        "events": order_event_list(order=order),
        "deliveries": order_deliveries(order=order, viewer=request.user),
    }
    return render(request, "orders/order_detail.html", context)


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
    return redirect("orders:detail", order_id=order.pk)


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
        product, handle = download_consume(grant_id=download_grant_for_token(token), user=user)
    except (signing.BadSignature, DownloadGrant.DoesNotExist) as unknown:
        raise Http404("No such download.") from unknown
    except DownloadGone as gone:
        context = {"title": "This download link no longer works", "message": str(gone)}
        return render(request, "orders/download_gone.html", context, status=410)
    except DownloadUnavailable as unavailable:
        context = {"title": "This file is not available right now", "message": str(unavailable)}
        return render(request, "orders/download_gone.html", context, status=503)
    return FileResponse(handle, as_attachment=True, filename=product.download_name)


@login_required
def order_status(request, order_id):
    """The live part of the order page, polled by htmx while a payment runs."""
    context = _status_context(_own_order(request, order_id))
    response = render(request, "orders/_status.html", context)
    if request.htmx and not context["processing"]:
        # 286 tells htmx to stop polling; the swap still shows the final state.
        return HttpResponseStopPolling(response.content)
    return response


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
    return redirect("orders:detail", order_id=order.pk)


@login_required
@require_http_methods(["GET", "POST"])
def order_pay(request, order_id):
    order = _own_order(request, order_id)
    if order.status != Order.Status.PAYMENT_PENDING:
        messages.info(request, f"This order is {order.get_status_display().lower()}.")
        return redirect("orders:detail", order_id=order.pk)
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
            return redirect(reverse("orders:detail", args=[order.pk]))
    return render(request, "orders/pay.html", {"order": order, "form": form})


def _pay_in_browser(request, order: Order):
    """The card page with Stripe's Payment Element: Stripe.js confirms the
    payment in the browser, then returns to the order page; the webhook settles."""
    try:
        _, client_secret = payment_start_in_browser(order=order, payer=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return redirect("orders:detail", order_id=order.pk)
    except TransientGatewayError:
        messages.error(request, "The card network cannot be reached right now; try again soon.")
        return redirect("orders:detail", order_id=order.pk)
    response = render(
        request,
        "orders/pay_stripe.html",
        {
            "order": order,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "client_secret": client_secret,
            "return_url": request.build_absolute_uri(reverse("orders:detail", args=[order.pk])),
        },
    )
    response._csp_update = STRIPE_CSP  # django-csp's per-response addition
    return response


# --- the merchant dashboard: overview and sales ------------------------------------


@merchant_required
def dashboard(request):
    now = timezone.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = today.replace(day=1)
    chart_start = today - timedelta(days=29)
    daily = merchant_daily_revenue(merchant=request.user, since=chart_start)
    context = {
        "wallet": wallet_get_or_create(user=request.user, currency=default_currency()),
        "today": merchant_sales_summary(merchant=request.user, since=today),
        "month": merchant_sales_summary(merchant=request.user, since=month),
        "reservations": merchant_open_reservations(merchant=request.user),
        "failed": payment_failed_count_for_merchant(
            merchant=request.user, since=now - timedelta(hours=24)
        ),
        "bars": daily_bars(daily, last_day=today.date()),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT},
        "currency": default_currency(),
    }
    return render(request, "dashboard/overview.html", context)


@merchant_required
def sales(request):
    status = request.GET.get("status") or None
    if status not in Order.Status.values:
        status = None
    orders = page_of(request, order_list_for_merchant(merchant=request.user, status=status))
    return render(
        request,
        "dashboard/sales.html",
        {
            "page": orders,
            "status": status,
            "statuses": Order.Status.choices,
            "refund_form": RefundForm(),
            "query": f"status={status}" if status else "",
        },
    )


def _merchant_order(request, order_id) -> Order:
    order = order_get_visible(user=request.user, order_id=order_id)
    if order_merchant_ids(order=order) != {request.user.pk}:
        raise PermissionDenied("Only the merchant of every item can do this.")
    return order


@merchant_required
@require_POST
def sale_fulfil(request, order_id):
    try:
        order_fulfill(order=_merchant_order(request, order_id), actor=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Order fulfilled.")
    return redirect("orders:sales")


@merchant_required
@require_POST
def sale_refund(request, order_id):
    order = _merchant_order(request, order_id)
    form = RefundForm(request.POST, currency=order.currency)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("orders:sales")

    def refund() -> dict:
        refund_order(
            order=order,
            amount=form.cleaned_data.get("amount") or None,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            request_key=request.idempotency_key,
        )
        return {"order_id": str(order.pk)}

    # A card refund calls the gateway: never inside a transaction.
    outcome = run_form_action(request, form, refund, atomic=False)
    if outcome is not None and outcome.ok and not outcome.replayed:
        messages.success(request, "Refunded.")
    return redirect("orders:sales")
