"""Accounts people can keep: password reset, verified email, two-factor sign-in
(base.py imports them)."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.environment import env

# "Forgot password?": Django's signed token generator; a link works once (it
# hashes the password) and for this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_MINUTES", default=60) * 60
# Reset requests per client address and per email address, in DRF's notation.
PASSWORD_RESET_RATE = env("PASSWORD_RESET_RATE", default="5/h")
# mandatory: an unverified account cannot withdraw, nor a merchant put products
# on sale; optional: those gates are off (demos, test rigs). Buying never waits.
KASSA_EMAIL_VERIFICATION = env("KASSA_EMAIL_VERIFICATION", default="mandatory")
EMAIL_VERIFICATION_DAYS = env.int("EMAIL_VERIFICATION_DAYS", default=3)
# How often "Resend" (the verification link) and "Email my receipt again" work.
EMAIL_RESEND_RATE = env("EMAIL_RESEND_RATE", default="3/h")
# true: staff (and merchants, for /admin/) sign in with a second factor; false:
# not required, still offered (test rigs). An enrolled account always needs it.
KASSA_REQUIRE_2FA = env.bool("KASSA_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Kassa")
# The API's second step: a challenge from POST /auth/login lives this long.
OTP_CHALLENGE_SECONDS = env.int("OTP_CHALLENGE_SECONDS", default=300)
RECOVERY_CODE_COUNT = 10

if KASSA_EMAIL_VERIFICATION not in ("mandatory", "optional"):
    raise ImproperlyConfigured("KASSA_EMAIL_VERIFICATION is mandatory or optional.")
