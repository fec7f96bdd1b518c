"""The second factor for browser sessions, and the sign-in's "last seen".

A password opens a session; for an account that needs a second factor it stays
confined until the code is given (django-otp marks the session verified), so
every way in (the storefront's login, the admin's, the browsable API's) asks
for it the same way."""

import time
from urllib.parse import quote

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.errors import AccountErrorCode
from accounts.services import (
    SESSION_KEY,
    Client,
    sign_in_touch,
    two_factor_required,
    two_factor_required_for_admin,
)
from core.exceptions import error_body

CODE_STEP = "storefront:two_factor_login"
ENROLMENT = "storefront:two_factor"
SIGN_OUT = {"storefront:logout", "admin:logout", "rest_framework:logout"}
SEEN_KEY = "kassa_sign_in_seen"
SEEN_EVERY_SECONDS = 300


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        name = request.resolver_match.view_name if request.resolver_match else ""
        if user.two_factor_enabled:
            target = CODE_STEP
        elif two_factor_required(user) or (
            name.startswith("admin:") and two_factor_required_for_admin(user)
        ):
            target = ENROLMENT
        else:
            return None
        if name == target or name in SIGN_OUT:
            return None
        if request.path.startswith("/api/"):
            if "HTTP_AUTHORIZATION" in request.META:
                return None  # a token client: the session is not what signs it in
            enrolled = target == CODE_STEP
            return JsonResponse(
                error_body(
                    AccountErrorCode.OTP_REQUIRED
                    if enrolled
                    else AccountErrorCode.OTP_ENROLMENT_REQUIRED,
                    "Finish signing in with your authentication code."
                    if enrolled
                    else "Turn on two-factor sign-in first.",
                ),
                status=401 if enrolled else 403,
            )
        return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")


class SignInActivityMiddleware:
    """Keeps the session's sign-in "last seen" (and address) fresh, writing at
    most every SEEN_EVERY_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and (sign_in_id := request.session.get(SESSION_KEY)):
            now = time.time()
            if now - request.session.get(SEEN_KEY, 0) > SEEN_EVERY_SECONDS:
                sign_in_touch(sign_in_id=sign_in_id, client=Client.of(request))
                request.session[SEEN_KEY] = now
        return self.get_response(request)
