"""Two-factor sign-in pages: the code after the password, turning it on (a QR
code drawn on the server, and a first code), the recovery codes shown once,
new ones, and turning it off."""

from urllib.parse import quote

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts.services import (
    recovery_codes_left,
    recovery_codes_renew,
    totp_secret,
    two_factor_disable,
    two_factor_enrolment_confirm,
    two_factor_enrolment_start,
    two_factor_required_for_admin,
    two_factor_verify,
)
from core.exceptions import ApplicationError
from storefront.forms import CodeForm
from storefront.views.account import next_url

NEW_CODES_KEY = "kassa_new_recovery_codes"


def _locked_out(request, credentials):
    # AxesMiddleware answers any request marked so with its lockout page.
    request.axes_locked_out, request.axes_credentials = True, credentials


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_login(request):
    """The second step of signing in. A wrong code counts as a failed login for
    django-axes, so codes lock the account and address as passwords do."""
    user, target = request.user, next_url(request)
    if user.is_verified() or not user.two_factor_enabled:
        return redirect(target)
    form = CodeForm(request.POST or None)
    credentials = {"username": user.email}
    if request.method == "POST" and form.is_valid():
        if not AxesProxyHandler.is_allowed(request, credentials):
            _locked_out(request, credentials)
            return render(request, "storefront/two_factor_login.html", {"form": form}, status=429)
        try:
            verified = two_factor_verify(user=user, code=form.cleaned_data["code"])
        except ApplicationError as refused:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error("code", refused.message)
        else:
            otp_login(request, verified.device)
            if (left := verified.recovery_codes_left) is not None:
                messages.warning(
                    request,
                    f"Recovery code accepted; {left} left."
                    + (" Make new ones on the two-factor page." if left < 3 else ""),
                )
            return redirect(target)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": target}
    return render(request, "storefront/two_factor_login.html", context, status=status)


def _enrolment_context(request, form) -> dict:
    device = two_factor_enrolment_start(user=request.user)
    return {
        "form": form,
        "secret": totp_secret(device),
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "next": next_url(request),
    }


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Turn it on (the page shows the secret as a QR code and as text), or, once
    it is on, how many recovery codes are left, new ones, and turning it off."""
    user = request.user
    if user.two_factor_enabled:
        context = {
            "recovery_codes_left": recovery_codes_left(user=user),
            "can_disable": not two_factor_required_for_admin(user),
            "form": CodeForm(),
        }
        return render(request, "storefront/two_factor_manage.html", context)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor_enrolment_confirm(user=user, code=form.cleaned_data["code"])
        except ApplicationError as refused:
            form.add_error("code", refused.message)
        else:
            otp_login(request, device)  # this session gave its code
            request.session[NEW_CODES_KEY] = codes
            messages.success(request, "Two-factor sign-in is on.")
            url = reverse("storefront:recovery_codes")
            return redirect(f"{url}?next={quote(next_url(request))}")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "storefront/two_factor_enrol.html",
        _enrolment_context(request, form),
        status=status,
    )


@login_required
def recovery_codes(request):
    """The codes, shown once: after turning two-factor on or making new ones."""
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return redirect("storefront:two_factor")
    context = {"codes": codes, "next": next_url(request)}
    return render(request, "storefront/recovery_codes.html", context)


@login_required
@require_POST
def recovery_codes_new(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            codes = recovery_codes_renew(user=request.user, code=form.cleaned_data["code"])
        except ApplicationError as refused:
            messages.error(request, refused.message)
        else:
            request.session[NEW_CODES_KEY] = codes
            return redirect("storefront:recovery_codes")
    return redirect("storefront:two_factor")


@login_required
@require_POST
def two_factor_off(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            two_factor_disable(user=request.user, code=form.cleaned_data["code"])
        except ApplicationError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("storefront:account")
    return redirect("storefront:two_factor")
