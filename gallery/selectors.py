"""Reads of the gallery. Every query is scoped to one owner."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.selectors import account_time_zone
from gallery.metadata import exposure_display
from gallery.models import Photo
from gallery.timeline import photos_ordered
from imagesearch.exceptions import NotFound
from search.filters import PhotoFilters
from search.selectors.filters import photos_filter
from search.selectors.photo_text import photo_text_get
from search.selectors.tags import no_tags_reason, photo_tags, photos_with_tag, visible_tags_prefetch

WAITING = "waiting"  # pending or processing


class PhotoInTrash(NotFound):
    """The photo is in the trash: out of every list and search until it is restored."""


def photo_list(*, owner, status: str | None = None, ids: list[int] | None = None, tag: str | None = None,
               favourite: bool | None = None, trashed: bool | None = False,
               ordering: str = "-created_at", filters: PhotoFilters | None = None) -> QuerySet[Photo]:
    """The owner's photos, by default those outside the trash (`trashed`: True for the trash, None
    for both), in a gallery.timeline ordering (newest added first by default), passing `filters`
    (the searches' filters, their album already checked: search.selectors.filters.filters_for_owner)."""
    photos = Photo.objects.filter(owner=owner)
    if trashed is not None:
        photos = photos.filter(trashed_at__isnull=not trashed)
    if favourite is not None:
        photos = photos.filter(favourite=favourite)
    if tag:
        photos = photos_with_tag(photos, name=tag)
    if status == WAITING:
        photos = photos.filter(status__in=[Photo.Status.PENDING, Photo.Status.PROCESSING])
    elif status:
        photos = photos.filter(status=status)
    if ids is not None:
        photos = photos.filter(id__in=ids)
    if filters is not None and not filters.is_empty:
        photos = photos_filter(photos, owner_id=owner.pk, filters=filters, time_zone=account_time_zone(user=owner))
    return photos_ordered(photos.prefetch_related(visible_tags_prefetch()), ordering=ordering)


def photo_get(*, owner, photo_id: int, trashed: bool | None = False) -> Photo:
    """The owner's photo, or NotFound (also for another user's photo: no existence leak). By
    default only outside the trash (PhotoInTrash otherwise); `trashed=None`: either."""
    photo = Photo.objects.filter(owner=owner, pk=photo_id).first()
    if photo is None or (trashed is True and photo.trashed_at is None):
        raise NotFound("Photo not found.")
    if trashed is False and photo.trashed_at is not None:
        raise PhotoInTrash("This photo is in the trash.")
    return photo


def photos_of_owner(*, owner, ids: list[int], trashed: bool | None = False) -> dict[int, Photo]:
    """The owner's photos among `ids` (as photo_get: outside the trash by default), by id; the
    others are absent (not found, for a bulk answer per id)."""
    photos = Photo.objects.filter(owner=owner)
    if trashed is not None:
        photos = photos.filter(trashed_at__isnull=not trashed)
    return photos.in_bulk(list(dict.fromkeys(ids)))


def photo_purge_at(photo: Photo) -> datetime | None:
    """When a trashed photo will be deleted for good (None outside the trash)."""
    if photo.trashed_at is None:
        return None
    return photo.trashed_at + timedelta(days=settings.TRASH_RETENTION_DAYS)


def photo_status_counts(*, owner) -> dict[str, int]:
    """Photos by processing status, outside the trash."""
    rows = Photo.objects.filter(owner=owner, trashed_at__isnull=True).values("status").annotate(n=Count("id"))
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
    tags = photo_tags(photo=photo)
    return {"photo": photo, "status_message": photo_status_message(photo), "tags": tags,
            "no_tags_reason": "" if tags else no_tags_reason(photo=photo),
            "taken": photo_taken(photo), "exposure": photo_exposure(photo), "place": photo_place(photo),
            "purge_at": photo_purge_at(photo), "photo_text": photo_text_get(photo=photo),
            "ocr_enabled": settings.OCR_ENABLED,
            "original_available": original_available(photo),
            "shown_as_is": photo.content_type in BROWSER_FORMATS and original_available(photo)}
