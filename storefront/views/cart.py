"""The cart in the session, and "Place order", which hands it to order_place."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from core.pages import run_form_action
from orders.errors import OrderErrorCode
from orders.limits import MAX_QUANTITY
from orders.models import Order
from orders.services import order_place
from storefront.cart import cart_add as add_to_cart
from storefront.cart import cart_clear, cart_lines, cart_order_items, cart_set
from storefront.forms import CartAddForm, CartUpdateForm, CheckoutForm


@login_required
@require_GET
def cart(request):
    lines, dropped = cart_lines(request.session)
    _say_dropped(request, dropped)
    return render(request, "storefront/cart.html", _cart_context(lines, CheckoutForm()))


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
            reverse("storefront:product", args=[form.cleaned_data["product_id"]])
            if form.is_valid()
            else reverse("storefront:catalog")
        )
        return redirect_to_login(back)
    if form.is_valid():
        add_to_cart(request.session, **form.cleaned_data)
        messages.success(request, "Added to your cart.")
    else:
        messages.error(request, f"Choose a quantity from 1 to {MAX_QUANTITY}.")
    return redirect("storefront:cart")


@login_required
@require_POST
def cart_update(request):
    form = CartUpdateForm(request.POST)
    if form.is_valid():
        cart_set(request.session, **form.cleaned_data)
        removed = form.cleaned_data["quantity"] == 0
        messages.success(request, "Removed from your cart." if removed else "Cart updated.")
    else:
        messages.error(request, f"Choose a quantity from 0 to {MAX_QUANTITY}.")
    return redirect("storefront:cart")


@login_required
@require_POST
def checkout(request):
    form = CheckoutForm(request.POST)
    lines, dropped = cart_lines(request.session)
    if dropped:  # the cart changed under the customer: show it again first
        _say_dropped(request, dropped)
        return redirect("storefront:cart")
    if not form.is_valid():
        return render(request, "storefront/cart.html", _cart_context(lines, form), status=400)

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
        return redirect("storefront:cart")  # the cart is kept, nothing was charged
    cart_clear(request.session)
    order_id = outcome.body["order_id"]
    if outcome.body["payment_method"] == Order.PaymentMethod.CARD:
        return redirect("storefront:order_pay", order_id=order_id)
    if not outcome.replayed:
        messages.success(request, "Thank you: your order is paid.")
    return redirect("storefront:order", order_id=order_id)
