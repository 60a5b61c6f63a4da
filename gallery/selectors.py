"""Reads of the gallery. Every query is scoped to one owner."""

from __future__ import annotations

from django.db.models import QuerySet

from gallery.models import Photo
from search.queries import normalise_text
from imagesearch.exceptions import NotFound


WAITING = "waiting"  # pending or processing


def photo_list(*, owner, status: str | None = None, ids: list[int] | None = None,
               tag: str | None = None) -> QuerySet[Photo]:
    photos = Photo.objects.filter(owner=owner)
    if tag:
        photos = photos.filter(tags__name=normalise_text(tag), tags__hidden=False)
    if status == WAITING:
        photos = photos.filter(status__in=[Photo.Status.PENDING, Photo.Status.PROCESSING])
    elif status:
        photos = photos.filter(status=status)
    if ids is not None:
        photos = photos.filter(id__in=ids)
    from search.tag_selectors import visible_tags_prefetch

    return photos.prefetch_related(visible_tags_prefetch()).order_by("-created_at", "-id")


def photo_get(*, owner, photo_id: int) -> Photo:
    """The owner's photo, or NotFound (also for another user's photo: no existence leak)."""
    photo = Photo.objects.filter(owner=owner, pk=photo_id).first()
    if photo is None:
        raise NotFound("Photo not found.")
    return photo


def photo_status_counts(*, owner) -> dict[str, int]:
    from django.db.models import Count

    rows = Photo.objects.filter(owner=owner).values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in Photo.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
