"""Reads of the gallery. Every query is scoped to one owner."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from gallery.metadata import exposure_display
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


# Formats every browser shows as they are; the others (HEIC, TIFF) only through their preview.
BROWSER_FORMATS = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/avif"}


@dataclass(frozen=True)
class TakenAt:
    local: datetime  # the camera's local time when the offset is known, else UTC
    offset: str  # "UTC+01:00", or "" when unknown
    source: str  # where the date came from, for people


def photo_taken(photo: Photo) -> TakenAt | None:
    """When a photo was taken, as its camera's clock showed it (when EXIF said the offset)."""
    if photo.taken_at is None:
        return None
    source = Photo._meta.get_field("taken_at_source").choices
    label = dict(source).get(photo.taken_at_source, "")
    if photo.taken_at_offset_minutes is None:
        return TakenAt(local=photo.taken_at.astimezone(dt_timezone.utc), offset="", source=label)
    offset = timedelta(minutes=photo.taken_at_offset_minutes)
    sign, minutes = ("+" if offset >= timedelta(0) else "-"), abs(photo.taken_at_offset_minutes)
    return TakenAt(local=photo.taken_at.astimezone(dt_timezone(offset)), source=label,
                   offset=f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}")


def photo_exposure(photo: Photo) -> str:
    """ "f/1.8 · 1/120 s · ISO 50 · 6.9 mm", from what EXIF recorded."""
    parts = []
    if photo.f_number:
        parts.append(f"f/{photo.f_number:g}")
    if photo.exposure_time_s:
        shutter = exposure_display(photo.exposure_time_s)  # "1/250" or "0.6 s"
        parts.append(shutter if shutter.endswith(" s") else f"{shutter} s")
    if photo.iso:
        parts.append(f"ISO {photo.iso}")
    if photo.focal_length_mm:
        parts.append(f"{photo.focal_length_mm:g} mm")
    return " · ".join(parts)


def photo_place(photo: Photo) -> str:
    """ "Lisbon, Lisbon, Portugal" (the parts known, each once)."""
    parts = [part for part in (photo.city, photo.region, photo.country) if part]
    return ", ".join(dict.fromkeys(parts))


def original_available(photo: Photo) -> bool:
    """Whether the original can be downloaded: an in-place import's file may have been moved."""
    return bool(photo.original) or (bool(photo.external_path) and os.path.isfile(photo.external_path))


def photo_page(*, photo: Photo) -> dict:
    """What the photo page shows of a photo (its template's context)."""
    return {"photo": photo, "status_message": photo_status_message(photo), "tags": photo_tags(photo=photo),
            "taken": photo_taken(photo), "exposure": photo_exposure(photo), "place": photo_place(photo),
            "original_available": original_available(photo),
            "shown_as_is": photo.content_type in BROWSER_FORMATS and original_available(photo)}
