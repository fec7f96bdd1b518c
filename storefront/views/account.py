"""Register, log in and out, and change the password, for the storefront's
sessions (the API keeps JWT)."""

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.services import user_change_password, user_register
from core.exceptions import ApplicationError
from storefront.forms import LoginForm, PasswordChangeForm, RegisterForm

SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


class LoginView(auth_views.LoginView):
    template_name = "storefront/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


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
            messages.success(request, "Welcome to Kassa.")
            return redirect(_next_url(request))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "storefront/register.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_change_password(user=request.user, **form.cleaned_data)
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
