"""The only place user rows are locked: a password change, and a buyer's card
checkouts counted in turn (orders.services.checkout)."""

from accounts.models import User


def user_qs_for_update():
    return User.objects.order_by("pk").select_for_update()
