"""Signed download links: /downloads/<token>, where the token names a grant
and expires with it. Tampering breaks the signature (404); age ends it (410)."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from orders.models import DownloadGrant

DOWNLOAD_SALT = "kassa.download"


def download_token(grant: DownloadGrant) -> str:
    return signing.dumps(str(grant.pk), salt=DOWNLOAD_SALT)


def download_url(grant: DownloadGrant) -> str:
    return reverse("storefront:download", args=[download_token(grant)])


class DownloadGone(Exception):
    """The link was real but is used up, expired or revoked (410)."""


class DownloadUnavailable(Exception):
    """The link is good but the storage cannot give the file now (503)."""


def download_grant_for_token(token: str) -> str:
    """The grant id a link names. signing.BadSignature (404 to the caller) if it
    was tampered with; DownloadGone once older than DOWNLOAD_TTL_HOURS."""
    try:
        return signing.loads(
            token, salt=DOWNLOAD_SALT, max_age=timedelta(hours=settings.DOWNLOAD_TTL_HOURS)
        )
    except signing.SignatureExpired as expired:
        raise DownloadGone("This download link has expired.") from expired
