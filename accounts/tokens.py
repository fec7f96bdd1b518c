"""JWTs that carry the user's token version, so a password change ends them all."""

from rest_framework_simplejwt.tokens import RefreshToken

VERSION_CLAIM = "ver"


class VersionedRefreshToken(RefreshToken):
    """A refresh token (and the access tokens made from it) stamped with
    User.token_version at issue time."""

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[VERSION_CLAIM] = user.token_version
        return token


def token_is_current(token, user) -> bool:
    """False for a token issued before the user's last password change."""
    return token.get(VERSION_CLAIM, 0) == user.token_version
