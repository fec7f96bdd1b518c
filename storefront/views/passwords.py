""" "Forgot password?": Django's own reset views, over Kassa's services (the mail
goes out from a task, the new password ends every other session and token)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse_lazy

from core.exceptions import ApplicationError
from storefront.forms import PasswordResetRequestForm, PasswordResetSetForm


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "storefront/password_reset.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("storefront:password_reset_sent")

    def form_valid(self, form):
        try:
            form.save(request=self.request)
        except ApplicationError as refused:  # throttled
            form.add_error(None, refused.message)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return redirect(self.success_url)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "storefront/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view: it checks the link, moves the token out of the address
    into the session (so no Referer carries it) and shows the form."""

    template_name = "storefront/password_reset_confirm.html"
    form_class = PasswordResetSetForm
    success_url = reverse_lazy("storefront:password_reset_complete")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {
            "uidb64": self.kwargs["uidb64"],
            "token": self.request.session.get(auth_views.INTERNAL_RESET_SESSION_TOKEN, ""),
        }

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ApplicationError as refused:  # the link was used meanwhile
            messages.error(self.request, refused.message)
            return redirect("storefront:password_reset")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "storefront/password_reset_complete.html"
