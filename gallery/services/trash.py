"""Writes of the trash. Deleting a photo moves it to the trash for settings.TRASH_RETENTION_DAYS:
out of every list and search, with everything it had kept (vectors, tags, album places, its
files). Restoring brings it back as it was, without re-processing. Deleting forever, emptying the
trash and the hourly purge (a Celery beat task) remove photos with their files and vectors."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gallery.models import Photo

logger = logging.getLogger(__name__)
DELETE_BATCH = 200  # photos deleted per transaction (each brings its vectors, tags and files along)


def _locked_ids(photos: list[Photo], *, trashed: bool) -> list[int]:
    """Lock the photos' rows (in id order: no deadlock between two bulk requests) and return those
    whose trash state is `trashed`. The worker's indexing locks the same rows, so a photo's vectors
    are never stored with a trash state it no longer has."""
    return list(Photo.objects.select_for_update().filter(pk__in=[photo.pk for photo in photos],
                                                         trashed_at__isnull=not trashed)
                .order_by("pk").values_list("pk", flat=True))


def _trash_state_set(photos: list[Photo], *, trashed: bool) -> set[int]:
    """Move photos into the trash (`trashed`) or out of it; returns the ids that changed (the
    others were there already). Only the photos' rows change: searches leave trashed photos out by
    this state (search.vectors), so their vectors, tags and album places wait untouched."""
    trashed_at = timezone.now() if trashed else None
    with transaction.atomic():
        ids = _locked_ids(photos, trashed=not trashed)
        if ids:
            Photo.objects.filter(pk__in=ids).update(trashed_at=trashed_at)
    changed = set(ids)
    for photo in photos:
        if photo.pk in changed:
            photo.trashed_at = trashed_at
    return changed


def photos_trash(*, photos: list[Photo]) -> set[int]:
    """Move photos to the trash; returns the ids moved (the others were there already)."""
    return _trash_state_set(photos, trashed=True)


def photos_restore(*, photos: list[Photo]) -> set[int]:
    """Bring photos back from the trash with their vectors, tags and albums; returns the ids restored."""
    return _trash_state_set(photos, trashed=False)


def photos_delete(*, photos: list[Photo]) -> int:
    """Delete photos for good, in or out of the trash: their vectors, tags and album places go by
    cascade, their files after the commit (gallery.signals). Returns how many were deleted."""
    ids = [photo.pk for photo in photos]
    deleted = 0
    for start in range(0, len(ids), DELETE_BATCH):
        with transaction.atomic():
            # Lock and re-read: the worker may have just stored a thumbnail these instances don't know.
            batch = list(Photo.objects.select_for_update().filter(pk__in=ids[start:start + DELETE_BATCH])
                         .order_by("pk").values_list("pk", flat=True))
            deleted += len(batch)
            Photo.objects.filter(pk__in=batch).delete()
    return deleted


def _delete_in_batches(trashed) -> int:
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(trashed.select_for_update(skip_locked=True).order_by("trashed_at", "pk")
                       .values_list("pk", flat=True)[:DELETE_BATCH])
            if not ids:
                return deleted
            Photo.objects.filter(pk__in=ids).delete()
            deleted += len(ids)


def trash_empty(*, owner) -> int:
    """Delete every photo in the owner's trash for good; returns how many."""
    return _delete_in_batches(Photo.objects.filter(owner=owner, trashed_at__isnull=False))


def trash_purge(*, now: datetime | None = None) -> int:
    """Delete, for every user, the photos that have been in the trash longer than the retention."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TRASH_RETENTION_DAYS)
    purged = _delete_in_batches(Photo.objects.filter(trashed_at__lt=cutoff))
    if purged:
        logger.info("purged %d photo(s) from the trash (older than %d days)", purged, settings.TRASH_RETENTION_DAYS)
    return purged
