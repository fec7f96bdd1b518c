"""The only place account rows are locked: a password change or reset, an email
change, a buyer's card checkouts counted in turn (orders.services.checkout), and
the second-factor devices while a code is checked (so two requests cannot both
spend one recovery code or one TOTP time step)."""

from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def user_qs_for_update():
    return User.objects.order_by("pk").select_for_update()


def totp_device_qs_for_update():
    return TOTPDevice.objects.order_by("pk").select_for_update()


def static_device_qs_for_update():
    return StaticDevice.objects.order_by("pk").select_for_update()
