"""The cart in the session, and "Place order", which hands it to order_place."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from core.money import default_currency
from core.pages import run_form_action
from orders.errors import OrderErrorCode
from orders.limits import MAX_QUANTITY
from orders.models import Order
from orders.services import order_place
from storefront.cart import cart_add as add_to_cart
from storefront.cart import (
    cart_clear,
    cart_discount_code,
    cart_discount_set,
    cart_discounted,
    cart_lines,
    cart_order_items,
    cart_set,
    cart_with_discount,
)
from storefront.forms import CartAddForm, CartUpdateForm, CheckoutForm, DiscountCodeForm
from wallets.selectors import wallet_balances


@login_required
@require_GET
def cart(request):
    lines, dropped = cart_lines(request.session)
    _say_dropped(request, dropped)
    lines, refusal = cart_with_discount(request.session, lines, request.user)
    if refusal:
        messages.error(request, refusal)
    return render(request, "storefront/cart.html", _cart_context(request, lines, CheckoutForm()))


@login_required
@require_POST
def cart_discount(request):
    """Apply the typed code (an empty one takes it off): the cart shows what it
    takes off each line, or why it cannot."""
    form = DiscountCodeForm(request.POST)
    code = form.cleaned_data["code"].strip() if form.is_valid() else ""
    lines, _ = cart_lines(request.session)
    if code and lines:
        try:
            cart_discounted(lines, code=code, buyer=request.user)
        except ApplicationError as refused:
            messages.error(request, refused.message)
            return redirect("storefront:cart")
        messages.success(request, "Discount code applied.")
    cart_discount_set(request.session, typed=code)
    return redirect("storefront:cart")


def _say_dropped(request, dropped: list[str]) -> None:
    if dropped:
        messages.warning(
            request, f"No longer sold, so taken out of your cart: {', '.join(dropped)}."
        )


def _cart_context(request, lines, form) -> dict:
    code = cart_discount_code(request.session)
    currency = lines[0].currency if lines else default_currency()
    total = sum(line.subtotal for line in lines)
    wallet = None
    if request.user.is_authenticated:
        wallet = wallet_balances(user=request.user, currency=currency).available
    return {
        "lines": lines,
        "total": total,
        "discount": sum(line.discount for line in lines),
        "currency": lines[0].currency if lines else "",
        "form": form,
        "discount_form": DiscountCodeForm(initial={"code": code}),
        "discount_code": code,
        "wallet_balance": wallet,
        "wallet_short": max(total - wallet, 0) if wallet is not None else 0,
    }


@require_POST
def cart_add(request):
    """Adds to the session's cart, logged in or not: logging in keeps the
    session's data (Django's login() only cycles the key of an anonymous
    session), so a visitor sent to "Log in" finds the item in the cart."""
    form = CartAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Choose a quantity from 1 to {MAX_QUANTITY}.")
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("storefront:catalog"))
        return redirect("storefront:cart")
    add_to_cart(request.session, **form.cleaned_data)
    if not request.user.is_authenticated:
        messages.success(request, "Added to your cart. Log in to see it and check out.")
        return redirect_to_login(reverse("storefront:cart"))
    messages.success(request, "Added to your cart.")
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
        return render(
            request, "storefront/cart.html", _cart_context(request, lines, form), status=400
        )

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
            discount_code=cart_discount_code(request.session),
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
