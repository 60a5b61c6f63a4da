"""Writes of albums: create, rename and describe, choose a cover, add and remove photos, delete
(the photos stay in the library)."""

from __future__ import annotations

import re
import unicodedata

from django.db import IntegrityError, transaction

from albums.models import ALBUM_DESCRIPTION_MAX_LENGTH, ALBUM_NAME_MAX_LENGTH, Album, AlbumPhoto
from gallery.models import Photo
from imagesearch.exceptions import ApplicationError

_UNSET = object()


def clean_album_name(name) -> str:
    """A name as typed to its stored form (single spaces, no control characters), or a clear error."""
    text = "".join(ch for ch in unicodedata.normalize("NFC", str(name or "")) if unicodedata.category(ch)[0] != "C")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise ApplicationError("Give the album a name.", field="name")
    if len(text) > ALBUM_NAME_MAX_LENGTH:
        raise ApplicationError(f"An album name can be at most {ALBUM_NAME_MAX_LENGTH} characters ({len(text)} given).",
                               field="name")
    return text


def clean_album_description(description) -> str:
    text = str(description or "").replace("\x00", "").strip()
    if len(text) > ALBUM_DESCRIPTION_MAX_LENGTH:
        raise ApplicationError(f"A description can be at most {ALBUM_DESCRIPTION_MAX_LENGTH} characters.",
                               field="description")
    return text


def _save(album: Album, **kwargs) -> Album:
    try:
        with transaction.atomic():
            album.save(**kwargs)
    except IntegrityError:  # one_album_name_per_owner
        raise ApplicationError(f"You already have an album called “{album.name}”.", field="name") from None
    return album


def album_create(*, owner, name: str, description: str = "") -> Album:
    return _save(Album(owner=owner, name=clean_album_name(name), description=clean_album_description(description)))


def album_update(*, album: Album, name: str | None = None, description: str | None = None, cover=_UNSET) -> Album:
    """Rename, describe, or choose the cover (a photo in the album, or None for its newest photo)."""
    if name is not None:
        album.name = clean_album_name(name)
    if description is not None:
        album.description = clean_album_description(description)
    if cover is not _UNSET:
        if cover is not None and not AlbumPhoto.objects.filter(album=album, photo=cover).exists():
            raise ApplicationError("The cover must be a photo in the album.", field="cover_photo_id")
        album.cover = cover
    return _save(album)


def album_delete(*, album: Album) -> None:
    """Delete the album; its photos stay in the library (and in their other albums)."""
    album.delete()


def album_photos_add(*, album: Album, photos: list[Photo]) -> set[int]:
    """Put photos in the album; returns the ids added (the others were in it already)."""
    ids = {photo.pk for photo in photos if photo.owner_id == album.owner_id}
    with transaction.atomic():
        present = set(AlbumPhoto.objects.filter(album=album, photo_id__in=ids).values_list("photo_id", flat=True))
        added = ids - present
        # ignore_conflicts: the same photo added by two requests at once is in it once.
        AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo_id=photo_id) for photo_id in sorted(added)],
                                       ignore_conflicts=True)
        if added:
            album.save(update_fields=["updated_at"])
    return added


def album_photos_remove(*, album: Album, photos: list[Photo]) -> set[int]:
    """Take photos out of the album (they stay in the library); returns the ids removed."""
    ids = {photo.pk for photo in photos}
    with transaction.atomic():
        links = AlbumPhoto.objects.filter(album=album, photo_id__in=ids)
        removed = set(links.values_list("photo_id", flat=True))
        links.delete()
        fields = ["updated_at"]
        if album.cover_id in removed:
            album.cover = None
            fields.append("cover")
        if removed:
            album.save(update_fields=fields)
    return removed
