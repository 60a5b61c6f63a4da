"""Writes of housekeeping, run by the worker's periodic sweep: photos whose worker died or whose
queue message was lost, thumbnails left behind, and search's own catch-up work."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from gallery.models import Photo
from gallery.services.processing import photos_enqueue_processing
from search.services.reindex import reindex_if_needed
from search.services.tagging import tags_backfill

logger = logging.getLogger(__name__)


def photos_release_claims(*, older_than: timedelta) -> int:
    """Return photos stuck in processing (their worker died) to pending, or fail them for good
    after too many attempts. Returns how many went back to pending."""
    cutoff = timezone.now() - older_than
    stale = Photo.objects.filter(status=Photo.Status.PROCESSING, claimed_at__lt=cutoff)
    stale.filter(attempts__gte=settings.PROCESSING_MAX_ATTEMPTS).update(
        status=Photo.Status.FAILED, processed_at=timezone.now(),
        error=f"Processing did not finish after {settings.PROCESSING_MAX_ATTEMPTS} attempts.")
    return stale.update(status=Photo.Status.PENDING, queued_at=timezone.now())


# A sweep tags at most this many photos, so a large backfill cannot hold up the queue for long.
SWEEP_BACKFILL_LIMIT = 2048


def thumbnails_remove_orphans(*, older_than: timedelta) -> int:
    """Delete thumbnail and preview files no photo refers to (a worker killed mid-batch leaves its
    batch's files behind). Files younger than `older_than` may belong to a running batch: kept."""
    storage = Photo._meta.get_field("thumbnail").storage
    cutoff = timezone.now() - older_than
    referenced = set(Photo.objects.exclude(thumbnail="").values_list("thumbnail", flat=True))
    referenced |= set(Photo.objects.exclude(preview="").values_list("preview", flat=True))
    removed = 0
    for top in ("thumbnails", "previews"):
        try:
            folders, _ = storage.listdir(top)  # (a bucket has no folders to ask `exists` about)
        except FileNotFoundError:  # a local folder nothing was stored in yet
            folders = []
        for folder in folders:
            for name in storage.listdir(f"{top}/{folder}")[1]:
                path = f"{top}/{folder}/{name}"
                try:
                    orphaned = path not in referenced and storage.get_modified_time(path) < cutoff
                except FileNotFoundError:  # deleted meanwhile
                    continue
                if orphaned:
                    storage.delete(path)
                    removed += 1
    if removed:
        logger.info("removed %d orphaned thumbnail or preview file(s)", removed)
    return removed


def photos_sweep() -> dict[str, int]:
    """Periodic safety net: requeue photos whose worker died or whose queue message was lost."""
    age = timedelta(seconds=settings.PROCESSING_REQUEUE_AFTER_SECONDS)
    released = photos_release_claims(older_than=age)
    if released:
        thumbnails_remove_orphans(older_than=age)
    waiting = Photo.objects.filter(status=Photo.Status.PENDING, queued_at__lt=timezone.now() - age)
    waited = waiting.update(queued_at=timezone.now())
    if released or waited:
        photos_enqueue_processing()
    reindex = reindex_if_needed()
    tagged = tags_backfill(limit=SWEEP_BACKFILL_LIMIT)
    return {"released": released, "requeued": waited, "reindex_job": reindex.pk if reindex else None,
            "tagged": tagged}
