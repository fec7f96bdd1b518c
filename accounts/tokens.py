"""JWTs that carry the user's token version, so a password change ends them all,
whether a second factor was given, and which sign-in ("Account") they belong to."""

from rest_framework_simplejwt.tokens import RefreshToken

VERSION_CLAIM = "ver"
# True on tokens issued after an authenticator or recovery code: the actions
# that need a second factor (withdrawing, creating API keys) look for it.
OTP_CLAIM = "otp"
SIGN_IN_CLAIM = "sid"


class VersionedRefreshToken(RefreshToken):
    """A refresh token (and the access tokens made from it) stamped with
    User.token_version at issue time."""

    @classmethod
    def for_user(cls, user, *, two_factor: bool = False, sign_in_id: str | None = None):
        token = super().for_user(user)
        token[VERSION_CLAIM] = user.token_version
        token[OTP_CLAIM] = two_factor
        if sign_in_id:
            token[SIGN_IN_CLAIM] = sign_in_id
        return token


def token_is_current(token, user) -> bool:
    """False for a token issued before the user's last password change."""
    return token.get(VERSION_CLAIM, 0) == user.token_version
