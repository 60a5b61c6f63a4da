"""Reads of albums. Every query is scoped to one owner; photos in the trash are left out of
albums' photos, counts and covers (they keep their places for a restore)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from albums.models import Album, AlbumPhoto
from gallery.models import Photo
from gallery.selectors import photo_list
from imagesearch.exceptions import NotFound


class AlbumNotFound(NotFound):
    """No such album of the user's (also another user's album: no existence leak)."""


@dataclass(frozen=True)
class AlbumSummary:
    album: Album
    photos: int  # outside the trash
    cover: Photo | None


def album_get(*, owner, album_id: int) -> Album:
    album = Album.objects.filter(owner=owner, pk=album_id).first()
    if album is None:
        raise AlbumNotFound("Album not found.")
    return album


def album_photos(*, album: Album, ordering: str = "-taken_at") -> QuerySet[Photo]:
    """The album's photos outside the trash, in a gallery.timeline ordering (the timeline's by default)."""
    return photo_list(owner=album.owner_id, ordering=ordering).filter(album_links__album=album)


def _with_counts(albums: QuerySet[Album]) -> QuerySet[Album]:
    newest = (AlbumPhoto.objects.filter(album=OuterRef("pk"), photo__trashed_at__isnull=True)
              .order_by("-photo__timeline_at", "-photo_id").values("photo_id")[:1])
    return albums.annotate(live_photos=Count("links", filter=Q(links__photo__trashed_at__isnull=True)),
                           newest_photo_id=Subquery(newest)).select_related("cover")


def _summaries(albums: list[Album]) -> list[AlbumSummary]:
    """Each album with its count and cover: the chosen cover while it is outside the trash, else
    the album's newest photo."""
    chosen = {album.pk: album.cover for album in albums if album.cover and album.cover.trashed_at is None}
    fallback = Photo.objects.in_bulk([album.newest_photo_id for album in albums
                                      if album.pk not in chosen and album.newest_photo_id])
    return [AlbumSummary(album=album, photos=album.live_photos,
                         cover=chosen.get(album.pk) or fallback.get(album.newest_photo_id)) for album in albums]


def album_list(*, owner) -> list[AlbumSummary]:
    """The owner's albums, most recently changed first, with photo counts and covers."""
    return _summaries(list(_with_counts(Album.objects.filter(owner=owner))))


def album_summary(*, album: Album) -> AlbumSummary:
    return _summaries(list(_with_counts(Album.objects.filter(pk=album.pk))))[0]


def albums_of_photo(*, photo: Photo) -> list[AlbumSummary]:
    """The albums a photo is in."""
    return _summaries(list(_with_counts(Album.objects.filter(owner=photo.owner_id, links__photo=photo))))
