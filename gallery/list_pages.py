"""Pages of the library's photo lists (the timeline, favourites, an album, the trash): one keyset
page of cards in month sections, its links to the pages before and after (which the infinite
scroll fetches as fragments), and the jump list of months. Used by gallery's and albums' views."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import account_time_zone
from gallery.models import Photo
from gallery.timeline import parse_month, photo_months, photo_page_list
from imagesearch.keyset import InvalidCursor

FRAGMENT_TEMPLATE = "partials/photo_list_page.html"
# Query parameters that pick a position in the list rather than the list itself.
POSITION_PARAMETERS = ("cursor", "month", "page")


def is_fragment_request(request: HttpRequest) -> bool:
    """The infinite scroll asks for the next page's cards only."""
    return request.headers.get("X-Requested-With") == "fetch"


def list_query(request: HttpRequest, **changes) -> str:
    """This list's query string (without its position) with `changes`: "sort=added&cursor=…"."""
    query = request.GET.copy()
    for name in POSITION_PARAMETERS:
        query.pop(name, None)
    for name, value in changes.items():
        if value is not None:
            query[name] = value
    return query.urlencode()


def list_url(request: HttpRequest, **changes) -> str:
    query = list_query(request, **changes)
    return f"{request.path}?{query}" if query else request.path


def photo_list_response(request: HttpRequest, *, photos: QuerySet[Photo], ordering: str, template: str,
                        context: dict, jump_list: bool = True, status: int = 200) -> HttpResponse:
    """Render a list page at the position the request asks for (`cursor`, or `month` "2024-03"),
    or only its cards for the infinite scroll. The month counts (`years`) come with full pages."""
    zone = account_time_zone(user=request.user)
    month = parse_month(request.GET.get("month"))
    try:
        page = photo_page_list(photos=photos, ordering=ordering, time_zone=zone,
                               cursor=request.GET.get("cursor") or None, month=month)
    except InvalidCursor:  # a stale or hand-made link: the list from its start instead
        page = photo_page_list(photos=photos, ordering=ordering, time_zone=zone)
    context = {
        **context, "page": page, "ordering": ordering,
        "next_url": list_url(request, cursor=page.next_cursor) if page.next_cursor else "",
        "previous_url": list_url(request, cursor=page.previous_cursor) if page.previous_cursor else "",
        "list_url": list_url(request),
        # The jump list's links append "month=2024-03": "?sort=added&" or "?".
        "base_query": f"?{list_query(request)}&" if list_query(request) else "?",
    }
    if is_fragment_request(request):
        return render(request, FRAGMENT_TEMPLATE, context, status=status)
    if jump_list:
        years = photo_months(photos=photos, ordering=ordering, time_zone=zone)
        context.update(years=years, total=sum(year.count for year in years),
                       jumped_to=f"{month[0]:04d}-{month[1]:02d}" if month else "")
    return render(request, template, context, status=status)
