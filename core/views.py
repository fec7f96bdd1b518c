"""Django-level error pages: JSON under /api/, HTML elsewhere; the favicon;
public images from the default storage."""

import mimetypes
import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views import defaults

from core.exceptions import error_body


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(error_body("server_error", "Internal server error."), status=500)
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("bad_request", "Bad request."), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse(
            error_body("permission_denied", "You do not have permission."), status=403
        )
    return defaults.permission_denied(request, exception)


def api_not_found(request, path=""):
    """Any address under /api/ that names no endpoint: the API's JSON 404, with
    DEBUG on as well (Django's debug page never answers an API client)."""
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; the icon's URL
    carries its content hash in production, so this is never a permanent redirect."""
    return redirect(static("favicon.svg"))


# Only this folder of the default storage is public: download files live
# beside it, and are only ever served through a buyer's signed link.
PUBLIC_MEDIA = "images/"


def public_image(request, path):
    """A file under MEDIA_URL/images/ (product covers), from the default storage
    whatever serves it: `make run`, gunicorn in the container. A bucket's own
    URLs bypass this. Each upload gets new names, so a browser keeps a file a year."""
    name = posixpath.normpath(PUBLIC_MEDIA + path)
    # The filesystem storage only keeps a name inside MEDIA_ROOT: "images/../"
    # would reach the download files, so nothing outside images/ is asked for.
    if not name.startswith(PUBLIC_MEDIA) or ".." in path.split("/"):
        raise Http404("No such image.")
    try:
        handle = default_storage.open(name, "rb")
    except (OSError, SuspiciousFileOperation) as missing:
        raise Http404("No such image.") from missing
    response = FileResponse(handle, content_type=mimetypes.guess_type(name)[0] or "image/webp")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
