from functools import cache

from rest_framework import pagination
from rest_framework.response import Response


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class KeysetPagination(pagination.CursorPagination):
    """Pages of an append-only list by position (?cursor=…, from `next` and
    `previous`): no COUNT(*) and no OFFSET, so the first page and the thousandth
    cost the same however long the list grows."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"


def paginate_by_keyset(request, queryset, serializer_class, *, ordering: str = "-id") -> Response:
    """One page of `queryset` (ordered by a unique `ordering`) as {next, previous, results}."""
    paginator = KeysetPagination()
    paginator.ordering = ordering
    page = paginator.paginate_queryset(queryset, request)
    serializer = serializer_class(page, many=True, context={"request": request})
    return paginator.get_paginated_response(serializer.data)


def paginate(request, queryset, serializer_class) -> Response:
    """One page of `queryset`, serialised, as {count, next, previous, results}."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request)
    serializer = serializer_class(page, many=True, context={"request": request})
    return paginator.get_paginated_response(serializer.data)


@cache
def paginated(serializer_class):
    """The OpenAPI shape of a page of `serializer_class`, for plain APIViews."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    name = serializer_class.__name__.removesuffix("Serializer").removesuffix("Output")
    return inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


@cache
def keyset_paginated(serializer_class):
    """The OpenAPI shape of a keyset page of `serializer_class`."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    name = serializer_class.__name__.removesuffix("Serializer").removesuffix("Output")
    return inline_serializer(
        name=f"Keyset{name}Page",
        fields={
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
