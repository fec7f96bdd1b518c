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

    def get_operation_id(self):
        # Pages from plain APIViews are lists, not "retrieve"s of one object.
        operation_id = super().get_operation_id()
        if operation_id.endswith("_retrieve") and self._returns_a_page():
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def _returns_a_page(self) -> bool:
        responses = self.get_response_serializers()
        serializer = responses.get(200) if isinstance(responses, dict) else responses
        return type(serializer).__name__.startswith("Paginated")


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a stable machine-readable code, a message, and for "
    "validation errors the messages per field. Some errors add context fields.",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {}},
    },
    "required": ["code", "detail"],
    "additionalProperties": True,
}

ERROR_RESPONSES = {
    "400": "Invalid input, malformed JSON or a missing/invalid Idempotency-Key.",
    "401": "Not authenticated, or the token is invalid.",
    "403": "Authenticated, but not allowed.",
    "404": "Not found (or not yours).",
    "405": "Method not allowed.",
    "409": "Conflicts with the current state (stock, funds, status, a key in use).",
    "413": "The request body is over 1 MB.",
    "415": "Only application/json is accepted.",
    "422": "Understood but refused (mixed currency, own product, a reused key).",
    "429": "Too many requests.",
    "503": "A dependency is unavailable; retry later.",
}


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: document the shared error shape on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for status, description in ERROR_RESPONSES.items():
                operation["responses"].setdefault(
                    status, {"description": description, "content": reference}
                )
    return result
