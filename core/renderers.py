"""DRF's browsable API as a working face: HTML forms drawn from each view's
input serializer, with the one-time key that money-moving forms need."""

import uuid

from csp.constants import SELF, UNSAFE_INLINE
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from rest_framework import renderers

from core.forms import FORM_KEY_FIELD


def _form_serializer_class(view):
    """The serializer a view's HTML form is drawn from: FormInputSerializer where
    the JSON input cannot be a flat form (an order's list of lines), else
    InputSerializer."""
    return getattr(view, "FormInputSerializer", None) or getattr(view, "InputSerializer", None)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # DRF's Bootstrap pages carry style attributes; styles only, never
            # inline scripts, are allowed on them.
            response._csp_replace = {"style-src": [SELF, UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)

    def get_rendered_html_form(self, data, view, method, request):
        form_class = _form_serializer_class(view)
        if form_class is not None and not hasattr(view, "get_serializer"):
            # DRF draws forms only for views with get_serializer (generic
            # views); Kassa's plain APIViews get one for this render.
            view.get_serializer = lambda *args, **kwargs: form_class(*args, **kwargs)
        form = super().get_rendered_html_form(data, view, method, request)
        handler = getattr(view, method.lower(), None)
        if isinstance(form, str) and getattr(handler, "takes_form_key", False):
            key = format_html(
                '<input type="hidden" name="{}" value="{}">', FORM_KEY_FIELD, uuid.uuid4().hex
            )
            form = mark_safe(form + key)  # noqa: S308 - both parts are escaped HTML
        return form

    def get_raw_data_form(self, data, view, method, request):
        # DRF assumes a view parses something; the Stripe webhook reads its raw
        # body itself (no parsers), which made its page a 500.
        if not view.parser_classes:
            return None
        return super().get_raw_data_form(data, view, method, request)
