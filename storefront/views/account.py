"""Register, log in and out, "Account" (email, sign-ins, "Sign out everywhere
else"), verifying and changing the email, and changing the password, for the
storefront's sessions (the API keeps JWT)."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.authentication import request_two_factor_verified
from accounts.selectors import sign_in_list_active
from accounts.services import (
    SESSION_KEY,
    email_change_request,
    email_verification_resend,
    email_verify,
    recovery_codes_left,
    user_change_password,
    user_register,
    user_sign_out_everywhere_else,
)
from core.exceptions import ApplicationError
from storefront.forms import EmailChangeForm, LoginForm, PasswordChangeForm, RegisterForm

SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


def next_url(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def home_url(user) -> str:
    """Where signing in leads when nothing asked for a page: a merchant's
    dashboard, everyone else's catalog."""
    return reverse("dashboard:overview") if user.is_merchant else reverse("storefront:catalog")


class LoginView(auth_views.LoginView):
    template_name = "storefront/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return home_url(self.request.user)

    def get_success_url(self):
        url = super().get_success_url()
        if self.request.user.two_factor_enabled:  # the password was step one
            return f"{reverse('storefront:two_factor_login')}?next={quote(url)}"
        return url


class LogoutView(auth_views.LogoutView):
    pass


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(**form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            login(request, user, backend=SESSION_BACKEND)
            messages.success(
                request, f"Welcome to Kassa. We sent a link to {user.email} to verify it."
            )
            return redirect(next_url(request, default=home_url(user)))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "storefront/register.html",
        {"form": form, "next": next_url(request, default="")},
        status=status,
    )


def _account_page(request, *, email_form=None, status=200):
    user = request.user
    context = {
        "sign_ins": sign_in_list_active(user=user),
        "current_sign_in": request.session.get(SESSION_KEY),
        "email_form": email_form or EmailChangeForm(),
        "recovery_codes_left": recovery_codes_left(user=user) if user.two_factor_enabled else 0,
    }
    return render(request, "storefront/account.html", context, status=status)


@login_required
def account(request):
    return _account_page(request)


@login_required
@require_POST
def sign_out_everywhere_else(request):
    user = user_sign_out_everywhere_else(
        user=request.user, keep_sign_in_id=request.session.get(SESSION_KEY)
    )
    update_session_auth_hash(request, user)  # this session stays
    messages.success(request, "Signed out everywhere else: other sessions and API tokens ended.")
    return redirect("storefront:account")


@login_required
@require_POST
def email_change(request):
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            email_change_request(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        except ApplicationError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                f"We sent a link to {form.cleaned_data['new_email']}. Your email changes "
                "when you use it.",
            )
            return redirect("storefront:account")
    return _account_page(request, email_form=form, status=400)


@login_required
@require_POST
def email_verification_resend_view(request):
    try:
        email_verification_resend(user=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"A new link is on its way to {request.user.email}.")
    return redirect(next_url(request))


@require_http_methods(["GET", "POST"])
def email_verify_view(request, token):
    """The link from the email. It asks for a click first, so a mail scanner that
    opens every link verifies nothing."""
    if request.method == "POST":
        try:
            user = email_verify(token=token)
        except ApplicationError as refused:
            messages.error(request, refused.message)
            return render(request, "storefront/email_verify.html", {"invalid": True}, status=400)
        messages.success(request, f"Thank you: {user.email} is verified.")
        return redirect(
            "storefront:account" if request.user.is_authenticated else "storefront:login"
        )
    return render(request, "storefront/email_verify.html", {"token": token})


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_change_password(
                user=request.user,
                **form.cleaned_data,
                keep_sign_in_id=request.session.get(SESSION_KEY),
                two_factor=request_two_factor_verified(request),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ApplicationError as refused:
            form.add_error(None, refused.message)
            return render(request, "storefront/password.html", {"form": form}, status=429)
        else:
            request.user.refresh_from_db()
            update_session_auth_hash(request, request.user)  # this session stays, others end
            messages.success(request, "Password changed. Every other session has been logged out.")
            return redirect("storefront:password")
    status = 400 if request.method == "POST" else 200
    return render(request, "storefront/password.html", {"form": form}, status=status)
