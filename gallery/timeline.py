"""Reads of the library's lists in order: the timeline (by date taken), photos by date added, the
favourites and the trash, a page at a time by keyset (imagesearch.keyset); their months with photo
counts (the jump list); a photo's neighbours in a list (previous/next on the photo page).

Months are months in the account's time zone. Every ordering has a partial index on (owner, its
timestamp, id) beside the Photo model, so pages and neighbours are index range scans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.dateformat import format as date_format

from gallery.models import Photo
from imagesearch.exceptions import ApplicationError
from imagesearch.keyset import Cursor, KeysetPage, cursor_decode, cursor_encode, keyset_filter, keyset_page

# ordering -> (the timestamp it sorts by, newest first). "taken_at" sorts by timeline_at: the date
# taken, else the date added.
ORDERINGS: dict[str, tuple[str, bool]] = {
    "-taken_at": ("timeline_at", True),
    "taken_at": ("timeline_at", False),
    "-created_at": ("created_at", True),
    "created_at": ("created_at", False),
}
TRASH_ORDERING = "-trashed_at"
_ALL_ORDERINGS = {**ORDERINGS, TRASH_ORDERING: ("trashed_at", True)}
PAGE_SIZE = 60


@dataclass(frozen=True)
class MonthSection:
    year: int
    month: int
    photos: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return date_format(date(self.year, self.month, 1), "F Y")


@dataclass(frozen=True)
class MonthCount:
    year: int
    month: int
    count: int
    cursor: str  # the list from this month's newest photo on (its oldest, in an ascending list)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return date_format(date(self.year, self.month, 1), "F Y")

    @property
    def short_label(self) -> str:
        return date_format(date(self.year, self.month, 1), "M")


@dataclass
class YearCount:
    year: int
    count: int = 0
    months: list[MonthCount] = field(default_factory=list)


@dataclass
class PhotoPage:
    photos: list[Photo]
    ordering: str
    next_cursor: str | None
    previous_cursor: str | None
    sections: list[MonthSection]


def ordering_field(ordering: str) -> tuple[str, bool]:
    try:
        return _ALL_ORDERINGS[ordering]
    except KeyError:
        raise ApplicationError(f"Unknown ordering {ordering!r}; choose one of: {', '.join(ORDERINGS)}.",
                               field="ordering") from None


def photos_ordered(photos: QuerySet[Photo], *, ordering: str) -> QuerySet[Photo]:
    name, descending = ordering_field(ordering)
    return photos.order_by(f"-{name}", "-id") if descending else photos.order_by(name, "id")


def month_sections(photos: list[Photo], *, ordering: str, time_zone: ZoneInfo) -> list[MonthSection]:
    """Consecutive photos of one month (in `time_zone`) together, for the list's month headers."""
    name, _ = ordering_field(ordering)
    sections: list[MonthSection] = []
    for photo in photos:
        local = timezone.localtime(getattr(photo, name), time_zone)
        if not sections or (sections[-1].year, sections[-1].month) != (local.year, local.month):
            sections.append(MonthSection(year=local.year, month=local.month))
        sections[-1].photos.append(photo)
    return sections


def month_cursor(*, year: int, month: int, ordering: str, time_zone: ZoneInfo) -> str:
    """A cursor at the start of a month in the list: its newest photo first in a descending list
    (the rows before the first instant of the next month), its oldest in an ascending one."""
    name, descending = ordering_field(ordering)
    if descending:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    start = datetime(year, month, 1, tzinfo=time_zone)
    # id 0 sits before every row of the same instant, so the bound is "before / from `start`".
    return cursor_encode(Cursor(value=start, id=0), ordering=ordering)


def parse_month(text: str | None) -> tuple[int, int] | None:
    """ "2024-03" -> (2024, 3); None for nothing or anything else."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
    except ValueError:
        return None
    return (year, month) if 1 <= year <= 9998 and 1 <= month <= 12 else None


def photo_page_list(*, photos: QuerySet[Photo], ordering: str, time_zone: ZoneInfo | None = None,
                    cursor: str | None = None, month: tuple[int, int] | None = None,
                    limit: int = PAGE_SIZE) -> PhotoPage:
    """One page of `photos` (already filtered to one owner's list) in `ordering`: the first page,
    the page a cursor points at, or the page that starts at a month (the jump list, which needs
    `time_zone`). With `time_zone`, the page's photos also come in month sections."""
    name, descending = ordering_field(ordering)
    if month is not None and not cursor and time_zone is not None:
        cursor = month_cursor(year=month[0], month=month[1], ordering=ordering, time_zone=time_zone)
    position = cursor_decode(cursor, ordering=ordering) if cursor else None
    page: KeysetPage = keyset_page(photos, field=name, descending=descending, ordering=ordering, limit=limit,
                                   cursor=position)
    return PhotoPage(photos=page.items, ordering=ordering, next_cursor=page.next_cursor,
                     previous_cursor=page.previous_cursor,
                     sections=month_sections(page.items, ordering=ordering, time_zone=time_zone)
                     if ordering in ORDERINGS and time_zone is not None else [])


def photo_months(*, photos: QuerySet[Photo], ordering: str, time_zone: ZoneInfo) -> list[YearCount]:
    """Every month of the list with its photo count, grouped by year, in the list's order (one
    aggregate over the list's index; no per-page counting)."""
    name, descending = ordering_field(ordering)
    rows = (photos.order_by().annotate(month_start=TruncMonth(name, tzinfo=time_zone))
            .values("month_start").annotate(photos=Count("id")).order_by("-month_start" if descending else "month_start"))
    years: list[YearCount] = []
    for row in rows:
        start = timezone.localtime(row["month_start"], time_zone)
        entry = MonthCount(year=start.year, month=start.month, count=row["photos"],
                           cursor=month_cursor(year=start.year, month=start.month, ordering=ordering,
                                               time_zone=time_zone))
        if not years or years[-1].year != start.year:
            years.append(YearCount(year=start.year))
        years[-1].months.append(entry)
        years[-1].count += entry.count
    return years


def photo_neighbours(*, photos: QuerySet[Photo], photo: Photo, ordering: str) -> tuple[int | None, int | None]:
    """The ids of the photos just before and just after `photo` in the list `photos` (either may be
    None at an end). Two single-row index lookups."""
    name, descending = ordering_field(ordering)
    value = getattr(photo, name)
    neighbours = []
    for before in (True, False):
        greater = descending == before  # before a photo in a descending list: greater keys
        order = (name, "id") if greater else (f"-{name}", "-id")
        neighbours.append(photos.filter(keyset_filter(name, value, photo.pk, greater=greater))
                          .order_by(*order).values_list("id", flat=True).first())
    return neighbours[0], neighbours[1]
