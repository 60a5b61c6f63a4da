"""Reads of the gallery. Every query is scoped to one owner."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from gallery.models import Photo
from imagesearch.exceptions import NotFound
from search.selectors.tags import photo_tags, photos_with_tag, visible_tags_prefetch

WAITING = "waiting"  # pending or processing


def photo_list(*, owner, status: str | None = None, ids: list[int] | None = None,
               tag: str | None = None) -> QuerySet[Photo]:
    photos = Photo.objects.filter(owner=owner)
    if tag:
        photos = photos_with_tag(photos, name=tag)
    if status == WAITING:
        photos = photos.filter(status__in=[Photo.Status.PENDING, Photo.Status.PROCESSING])
    elif status:
        photos = photos.filter(status=status)
    if ids is not None:
        photos = photos.filter(id__in=ids)
    return photos.prefetch_related(visible_tags_prefetch()).order_by("-created_at", "-id")


def photo_get(*, owner, photo_id: int) -> Photo:
    """The owner's photo, or NotFound (also for another user's photo: no existence leak)."""
    photo = Photo.objects.filter(owner=owner, pk=photo_id).first()
    if photo is None:
        raise NotFound("Photo not found.")
    return photo


def photo_status_counts(*, owner) -> dict[str, int]:
    rows = Photo.objects.filter(owner=owner).values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in Photo.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def photo_status_message(photo: Photo) -> str:
    """A sentence for the user about where the photo is in processing."""
    if photo.status == Photo.Status.FAILED:
        return photo.error or "Processing failed."
    if photo.status == Photo.Status.PROCESSING:
        return "Making the thumbnail and search vector…"
    if photo.status == Photo.Status.PENDING:
        waited = (timezone.now() - (photo.queued_at or photo.created_at)).total_seconds()
        if waited > settings.PROCESSING_REQUEUE_AFTER_SECONDS:
            return (f"Waiting for the background worker for {int(waited // 60)} min. "
                    "Is the worker running? Photos are queued again automatically.")
        return "Queued for processing."
    return ""


def photo_page(*, photo: Photo) -> dict:
    """What the photo page shows of a photo (its template's context)."""
    return {"photo": photo, "status_message": photo_status_message(photo), "tags": photo_tags(photo=photo)}
