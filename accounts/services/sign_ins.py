"""Where an account is signed in: browser sessions and API refresh tokens, for
the "Account" page and "Sign out everywhere else"."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.locks import user_qs_for_update
from accounts.models import SignIn, User
from core.clients import client_ip

# The session key holding the id of the session's SignIn row.
SESSION_KEY = "kassa_sign_in"


@dataclass(frozen=True)
class Client:
    """Who is signing in, as the request tells it."""

    ip: str | None
    user_agent: str

    @classmethod
    def of(cls, request) -> "Client":
        return cls(
            ip=client_ip(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )


def sign_in_start(*, user: User, kind: str, client: Client) -> SignIn:
    return SignIn.objects.create(
        user=user, kind=kind, ip_address=client.ip, user_agent=client.user_agent
    )


def sign_in_touch(*, sign_in_id: str, client: Client | None = None) -> None:
    """The sign-in was used just now (from this client, when given)."""
    changes = {"last_seen_at": timezone.now()}
    if client is not None:
        changes |= {"ip_address": client.ip, "user_agent": client.user_agent}
    SignIn.objects.filter(pk=sign_in_id, ended_at__isnull=True).update(**changes)


def sign_in_end(*, sign_in_id: str) -> None:
    SignIn.objects.filter(pk=sign_in_id, ended_at__isnull=True).update(ended_at=timezone.now())


def user_end_tokens_and_sessions(*, user: User, keep_sign_in_id: str | None = None) -> None:
    """End every API token and browser session of a locked `user` but the sign-in
    `keep_sign_in_id`: outstanding refresh tokens are blacklisted, and the token
    version, which every JWT and every session's auth hash carries, moves on.
    The caller saves `user`; a session to keep needs update_session_auth_hash."""
    user.token_version += 1
    BlacklistedToken.objects.bulk_create(
        [
            BlacklistedToken(token=token)
            for token in OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
        ],
        ignore_conflicts=True,
    )
    SignIn.objects.filter(user=user, ended_at__isnull=True).exclude(pk=keep_sign_in_id).update(
        ended_at=timezone.now()
    )


@transaction.atomic
def user_sign_out_everywhere_else(*, user: User, keep_sign_in_id: str | None) -> User:
    """ "Sign out everywhere else": every other session and every API token ends."""
    user = user_qs_for_update().get(pk=user.pk)
    user_end_tokens_and_sessions(user=user, keep_sign_in_id=keep_sign_in_id)
    user.save(update_fields=["token_version"])
    return user
