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
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.selectors import account_time_zone
from gallery.models import Photo
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


def photos_filter(photos: QuerySet[Photo], *, filters: PhotoFilters, time_zone: ZoneInfo) -> QuerySet[Photo]:
    """The photos among `photos` that pass every filter (days in `time_zone`, the account's)."""
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
        # `camera` is the make and model as shown ("Apple iPhone 13"): one trigram-indexed column.
        photos = photos.filter(camera__icontains=filters.camera)
    if filters.place:
        place = filters.place
        photos = photos.filter(Q(city__icontains=place) | Q(region__icontains=place) | Q(country__icontains=place)
                               | Q(country_code__iexact=place))
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
    return photos_filter(Photo.objects.all(), filters=filters, time_zone=zone)


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
