"""Browser sign-ins for "Account": every django.contrib.auth login (the
storefront's, the admin's, the browsable API's) starts one; logging out ends it."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.models import SignIn
from accounts.services import SESSION_KEY, Client, sign_in_end, sign_in_start


@receiver(user_logged_in, dispatch_uid="accounts.sign_in_started")
def _sign_in_started(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    sign_in = sign_in_start(user=user, kind=SignIn.Kind.BROWSER, client=Client.of(request))
    request.session[SESSION_KEY] = str(sign_in.pk)


@receiver(user_logged_out, dispatch_uid="accounts.sign_in_ended")
def _sign_in_ended(sender, request, user, **kwargs):
    if request is not None and (sign_in_id := request.session.get(SESSION_KEY)):
        sign_in_end(sign_in_id=sign_in_id)
