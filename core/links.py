"""Links between API resources, as DRF's browsable API shows them: absolute
URLs (clickable there) when the serializer has the request, paths otherwise."""

from django.urls import reverse
from rest_framework import serializers


def link(serializer: serializers.Serializer, viewname: str, **kwargs) -> str:
    path = reverse(viewname, kwargs=kwargs)
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path
