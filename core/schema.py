from inspect import isclass

from drf_spectacular import openapi


class AutoSchema(openapi.AutoSchema):
    """Names serializers nested in a view after the view: RegisterApi.InputSerializer
    becomes the component "RegisterInput", so per-endpoint serializers never clash."""

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False):
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        cls = serializer if isclass(serializer) else type(serializer)
        outer, _, inner = cls.__qualname__.rpartition(".")
        if outer and not name.startswith(outer):
            return outer.split(".")[-1].removesuffix("Api") + name
        return name
