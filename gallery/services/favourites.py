"""Writes of favourites: the heart on a photo."""

from __future__ import annotations

from gallery.models import Photo


def photos_favourite_set(*, photos: list[Photo], favourite: bool) -> set[int]:
    """Mark photos as favourites (or not); returns the ids that changed."""
    changed = {photo.pk for photo in photos if photo.favourite != favourite}
    if changed:
        Photo.objects.filter(pk__in=changed).update(favourite=favourite)
    for photo in photos:
        photo.favourite = favourite
    return changed
