from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from imagesearch.keyset import Cursor, cursor_encode


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = "Number of results per page (default 50); larger values than 200 are capped."

    def get_page_size(self, request):
        """The requested page size; a malformed one is a 400 (DRF would quietly use the default)."""
        value = request.query_params.get(self.page_size_query_param, "")
        if value == "":
            return self.page_size
        if not (value.isascii() and value.isdigit() and int(value) >= 1):
            raise ValidationError({self.page_size_query_param: ["Enter a whole number of at least 1."]})
        return min(int(value), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


def paginate(*, request, view, queryset, serializer_class):
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    serializer = serializer_class(page, many=True, context={"request": request})
    return paginator.get_paginated_response(serializer.data)


class PageOrCursorPagination(Pagination):
    """Page numbers as before (with `count`), or keyset pages when the request passes a `cursor`
    (imagesearch.keyset: no COUNT, the same cost at any depth; `count` is then null). Both kinds
    of answer carry `next_cursor`/`previous_cursor`, so a client can switch to cursors after the
    first page."""

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count"] = {"type": "integer", "nullable": True, "example": 123,
                               "description": "Null on keyset (cursor) pages: they never count."}
        for name, where in (("next_cursor", "after this page"), ("previous_cursor", "before this page")):
            properties[name] = {"type": "string", "nullable": True,
                                "description": f"Pass as `cursor` for the photos {where}; null at the end."}
        return response


def _cursor_between(items, *, ordering: str, field: str, first: bool) -> str:
    item = items[0] if first else items[-1]
    return cursor_encode(Cursor(value=getattr(item, field), id=item.pk, backwards=first), ordering=ordering)


def paginate_with_cursors(*, request, view, queryset, serializer_class, ordering: str, field: str):
    """A page-number page (as `paginate`) that also carries the keyset cursors around it."""
    paginator = PageOrCursorPagination()
    items = paginator.paginate_queryset(queryset, request, view=view)
    response = paginator.get_paginated_response(serializer_class(items, many=True, context={"request": request}).data)
    page = paginator.page
    response.data["next_cursor"] = (_cursor_between(items, ordering=ordering, field=field, first=False)
                                    if items and page.has_next() else None)
    response.data["previous_cursor"] = (_cursor_between(items, ordering=ordering, field=field, first=True)
                                        if items and page.has_previous() else None)
    return response


def keyset_response(*, request, items: list, next_cursor: str | None, previous_cursor: str | None,
                    serializer_class) -> Response:
    """A keyset page in the same shape as page-number pages (`count` null)."""
    def link(cursor: str | None) -> str | None:
        return replace_query_param(request.build_absolute_uri(), "cursor", cursor) if cursor else None

    return Response({
        "count": None, "next": link(next_cursor), "previous": link(previous_cursor),
        "next_cursor": next_cursor, "previous_cursor": previous_cursor,
        "results": serializer_class(items, many=True, context={"request": request}).data,
    })
