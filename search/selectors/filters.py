"""Filters (search.filters.PhotoFilters) as conditions on photo rows: the one definition of what
each filter keeps, used by the gallery's lists and, compiled into SQL, by search.vectors.

Albums are read through the app registry (`apps.get_model`): gallery and search know nothing of the
albums app's modules (.importlinter), only its tables' relations to photos (`album_links`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value

from accounts.selectors import account_time_zone
from gallery.models import FILTER_VALUE_COLUMNS, Photo
from imagesearch.exceptions import NotFound
from search.filters import PhotoFilters
from search.models import PhotoTag


class AlbumNotFound(NotFound):
    """No album of the user's by that id or name (another user's album too: no existence leak)."""


def has_text_condition(has_text: bool) -> Q:
    """The "has text" filter: text was found by the OCR stage (search.models.PhotoText, the
    photo's `text`); a photo not read yet has no text as far as a search can tell."""
    found = Q(text__has_text=True)
    return found if has_text else ~found


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _tagged(name: str):
    return Exists(PhotoTag.objects.filter(photo=OuterRef("pk"), name=name, hidden=False))


def owner_values_containing(*, owner_id: int, column: str, text: str, whole: bool = False) -> list[str]:
    """The distinct values of a photo column among the owner's photos that contain `text` (or,
    `whole`, equal it), in any case, as Django's icontains / iexact match them.

    A gallery has few distinct cameras and places, so they are read by a loose scan of the
    (owner, column) index, one probe per distinct value, and the rows then found by those values
    through the same index: matching the parts row by row read every photo of a large gallery
    (250 ms at 300,000), and trigram indexes over every user's photos could not be narrowed to
    the owner (a 1,000-photo gallery waited 15-31 ms on all galleries' "iPhone" matches)."""
    if column not in FILTER_VALUE_COLUMNS:
        raise ValueError(f"not a filter column: {column}")
    table = Photo._meta.db_table
    pattern = connection.ops.prep_for_like_query(text)
    sql = (f"WITH RECURSIVE found AS ("
           f"  SELECT min({column}) AS value FROM {table} WHERE owner_id = %s"
           f"  UNION ALL SELECT (SELECT min({column}) FROM {table} WHERE owner_id = %s AND {column} > found.value)"
           f"  FROM found WHERE found.value IS NOT NULL) "
           f"SELECT value FROM found WHERE value IS NOT NULL AND UPPER(value) LIKE UPPER(%s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [owner_id, owner_id, pattern if whole else f"%{pattern}%"])
        return [value for (value,) in cursor.fetchall()]


def _one_of(*, owner_id: int, column: str, text: str, whole: bool = False) -> Q:
    """The photos whose `column` is one of the owner's values containing `text` (a condition that
    holds for none when no value does: an empty IN list would not compile into SQL)."""
    values = owner_values_containing(owner_id=owner_id, column=column, text=text, whole=whole)
    return Q(**{f"{column}__in": values}) if values else Q(Value(False, output_field=BooleanField()))


def photos_filter(photos: QuerySet[Photo], *, owner_id: int, filters: PhotoFilters,
                  time_zone: ZoneInfo) -> QuerySet[Photo]:
    """The owner's photos among `photos` that pass every filter (days in `time_zone`, the account's)."""
    if filters.is_empty:
        return photos
    if filters.taken_after:
        photos = photos.filter(timeline_at__gte=_day_start(filters.taken_after, time_zone))
    if filters.taken_before:
        photos = photos.filter(timeline_at__lt=_day_start(filters.taken_before, time_zone))
    if filters.album_id is not None:
        photos = photos.filter(album_links__album_id=filters.album_id)
    for name in filters.tags:
        photos = photos.filter(_tagged(name))
    for name in filters.exclude_tags:
        photos = photos.filter(~_tagged(name))
    if filters.favourite is not None:
        photos = photos.filter(favourite=filters.favourite)
    if filters.camera:
        # `camera` is the make and model as shown ("Apple iPhone 13").
        photos = photos.filter(_one_of(owner_id=owner_id, column="camera", text=filters.camera))
    if filters.place:
        place = filters.place
        photos = photos.filter(_one_of(owner_id=owner_id, column="city", text=place)
                               | _one_of(owner_id=owner_id, column="region", text=place)
                               | _one_of(owner_id=owner_id, column="country", text=place)
                               | _one_of(owner_id=owner_id, column="country_code", text=place, whole=True))
    if filters.file_types:
        photos = photos.filter(content_type__in=filters.content_types)
    if filters.has_text is not None:
        photos = photos.filter(has_text_condition(filters.has_text))
    return photos


def filtered_photos(*, owner_id: int, filters: PhotoFilters | None) -> QuerySet[Photo] | None:
    """The photos that pass `filters` (dates in the owner's time zone), for search.vectors to
    search within: it scopes them to the owner's photos outside the trash itself. None when nothing
    is filtered (the whole gallery)."""
    if filters is None or filters.is_empty:
        return None
    zone = account_time_zone(user=owner_id) if filters.taken_after or filters.taken_before else ZoneInfo("UTC")
    return photos_filter(Photo.objects.all(), owner_id=owner_id, filters=filters, time_zone=zone)


def album_resolve(*, owner, album_id: int | None = None, name: str | None = None) -> tuple[int, str]:
    """One of the owner's albums by id or by name (any case): (id, name), or AlbumNotFound."""
    albums = apps.get_model("albums", "Album").objects.filter(owner=owner)
    if album_id is not None:
        row = albums.filter(pk=album_id).values_list("pk", "name").first()
        if row is None:
            raise AlbumNotFound("Album not found.", field="album")
        return row
    row = albums.filter(name__iexact=(name or "").strip()).values_list("pk", "name").first()
    if row is None:
        raise AlbumNotFound(f"You have no album called “{name}”.", field="album")
    return row


def album_choices(*, owner) -> list[tuple[int, str]]:
    """The owner's albums for a filter's select: (id, name), by name."""
    return list(apps.get_model("albums", "Album").objects.filter(owner=owner).order_by("name")
                .values_list("pk", "name"))


def filters_for_owner(*, owner, filters: PhotoFilters, album_name: str | None = None) -> PhotoFilters:
    """`filters` with their album checked against the owner's albums (AlbumNotFound: a 404, or a
    message on a page) and named; `album_name` (the search box's `in:`) is looked up by name."""
    if album_name is None and filters.album_id is None:
        return filters
    album_id, name = album_resolve(owner=owner, album_id=filters.album_id, name=album_name)
    return replace(filters, album_id=album_id, album_name=name)
