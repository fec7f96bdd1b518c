"""DRF's browsable API as a working face: HTML forms drawn from each view's
input serializer, with the one-time key that money-moving forms need."""

import uuid
from functools import partial

from csp.constants import SELF, UNSAFE_INLINE
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from rest_framework import renderers

from core.forms import FORM_KEY_FIELD


def _form_serializer_class(view):
    """The serializer a view's HTML form is drawn from: FormInputSerializer where
    the JSON input cannot be a flat form (an order's list of lines), else
    InputSerializer."""
    return getattr(view, "FormInputSerializer", None) or getattr(view, "InputSerializer", None)


class _LabelledFormRenderer(renderers.HTMLFormRenderer):
    """DRF's HTML form fields with an id each (templates/rest_framework/horizontal/
    name it in the label's for=): DRF's own labels name no control, so screen
    readers cannot tell the fields apart."""

    def __init__(self, id_prefix: str = "id"):
        super().__init__()
        self.id_prefix = id_prefix

    def render_field(self, field, parent_style):
        field.style = {**field.style, "id": f"{self.id_prefix}-{field.name}"}
        return super().render_field(field, parent_style)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # DRF's Bootstrap pages carry style attributes; styles only, never
            # inline scripts, are allowed on them.
            response._csp_replace = {"style-src": [SELF, UNSAFE_INLINE]}
        page = super().render(data, accepted_media_type, renderer_context)
        # DRF's base template hard-codes a bare <html>; screen readers need the
        # page's language.
        return page.replace("<html>", '<html lang="en">', 1)

    def get_description(self, view, status_code):
        """The view's docstring as paragraphs. Without the markdown package DRF
        turns each of its line breaks into <br>, which breaks sentences at the
        width of the source code."""
        if status_code in (401, 403):
            return ""
        text = view.get_view_description(html=False)
        paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
        return format_html_join("", "<p>{}</p>", ((p,) for p in paragraphs))

    def get_rendered_html_form(self, data, view, method, request):
        # A page can draw a POST and a PUT form of the same fields: the method
        # keeps their ids apart.
        self.form_renderer_class = partial(_LabelledFormRenderer, id_prefix=method.lower())
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
