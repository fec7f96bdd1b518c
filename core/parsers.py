from rest_framework import parsers
from rest_framework.exceptions import ParseError, UnsupportedMediaType


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that absurdly deep nesting is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc


def _is_session_request(parser_context) -> bool:
    # Read from Django's request: DRF's own authentication may be what is
    # parsing this body right now (its CSRF check reads the form).
    request = getattr((parser_context or {}).get("request"), "_request", None)
    return (
        request is not None
        and "HTTP_AUTHORIZATION" not in request.META
        and request.user.is_authenticated
    )


class _SessionOnly:
    """HTML form bodies are for the browsable API, where the caller is logged in
    with a session (and so CSRF-checked); a token client must send JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        if not _is_session_request(parser_context):
            raise UnsupportedMediaType(media_type)
        return super().parse(stream, media_type, parser_context)


class SessionFormParser(_SessionOnly, parsers.FormParser):
    pass


class SessionMultiPartParser(_SessionOnly, parsers.MultiPartParser):
    pass
