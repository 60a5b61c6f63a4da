"""Writes of text in photos: reading the text of ready photos with RapidOCR (search/ocr.py) and
storing it with its boxes, as a stage of its own after processing.

It runs on the `ocr` queue at a lower priority than ingest: a photo is ready and searchable by
CLIP first, and processing queues this stage after its batches commit. Between batches, the
reader stops while photos wait for processing (processing queues it again when done), so that on
a worker serving both queues it never holds up ingest for more than one batch. One reader runs at
a time (an advisory lock); the work is derived from the data (ready photos without a text row),
so a stopped reader loses nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.utils import timezone

from gallery import images
from gallery.models import Photo
from imagesearch.db import advisory_lock
from search import ocr, text_match
from search.models import PhotoText
from search.selectors.photo_text import photos_awaiting_text
from search.tasks import read_photo_text

logger = logging.getLogger(__name__)

OCR_LOCK_ID = 7_201_013  # pg advisory lock: one text reader at a time across processes


def photo_text_enqueue() -> bool:
    """Ask a worker to read the text of photos that wait for it (nothing when OCR is off). A broker
    outage is not an error: the periodic sweep queues it again."""
    if not settings.OCR_ENABLED:
        return False
    try:
        read_photo_text.apply_async(retry=True)
        return True
    except Exception as exc:  # noqa: BLE001 - kombu raises several kinds of connection errors
        logger.warning("could not queue reading text (%s); the sweep will", exc)
        return False


def photo_text_enqueue_if_waiting() -> bool:
    """The sweep's catch-up: queue the reader when photos wait for it."""
    return settings.OCR_ENABLED and photos_awaiting_text().exists() and photo_text_enqueue()


def _ingest_waiting() -> bool:
    return Photo.objects.filter(status__in=[Photo.Status.PENDING, Photo.Status.PROCESSING]).exists()


def photo_texts_read(*, owner=None, reread_before: datetime | None = None, budget_seconds: float | None = None,
                     max_batches: int | None = None, yield_to_ingest: bool = True,
                     progress: Callable[[int, int], None] | None = None) -> int:
    """Read the text of photos that wait for it (the owner's, or everyone's), a batch at a time.

    `reread_before`: photos read before then count as waiting too (`manage.py read_text --all`).
    With a budget (the worker's task) it stops after `budget_seconds` or `max_batches` and queues
    its continuation. Returns how many photos were read; 0 when another reader holds the lock.
    """
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    read, batches, last_id = 0, 0, 0
    with advisory_lock(OCR_LOCK_ID) as acquired:
        if not acquired:
            return 0
        waiting = photos_awaiting_text(owner=owner, reread_before=reread_before)
        total = waiting.count()
        while True:
            if yield_to_ingest and _ingest_waiting():
                return read  # processing queues this stage again after its batches
            # Past last_id: a photo that could not be stored (deleted meanwhile) is not tried again.
            batch = list(waiting.filter(id__gt=last_id)[:settings.OCR_BATCH_SIZE])
            if not batch:
                return read
            last_id = batch[-1].pk
            photo_texts_store(photos=batch, lines=[_read(photo) for photo in batch])
            read, batches = read + len(batch), batches + 1
            if progress:
                progress(read, total)
            if (deadline is not None and time.monotonic() >= deadline) or (max_batches and batches >= max_batches):
                break
    if photos_awaiting_text(owner=owner, reread_before=reread_before).exists():
        photo_text_enqueue()
    return read


def _read(photo: Photo) -> list[ocr.TextLine]:
    """The photo's text lines, read from its preview (upright, at most PREVIEW_LONG_SIDE); an
    image that can't be read has none."""
    try:
        with photo.preview.open("rb") if photo.preview else photo.open_original() as handle:
            image = images.load_rgb(handle, max_pixels=settings.UPLOAD_MAX_PIXELS, fit_within=settings.OCR_LONG_SIDE)
    except (OSError, images.ImageRejected) as exc:
        logger.info("photo %s: no text read (%s)", photo.pk, exc)
        return []
    return ocr.read_lines(image, min_confidence=settings.OCR_MIN_CONFIDENCE)


def photo_texts_store(*, photos: list[Photo], lines: list[list[ocr.TextLine]]) -> None:
    """Store the text lines read in photos (replacing what was read before)."""
    now = timezone.now()
    rows = []
    for photo, found in zip(photos, lines):
        text = "\n".join(line.text for line in found)
        rows.append(PhotoText(
            photo_id=photo.pk, owner_id=photo.owner_id, text=text, normalised=text_match.normalised(text),
            compact=text_match.compact(text), has_text=bool(found), engine=ocr.ENGINE_VERSION, read_at=now,
            lines=[{"text": line.text, "confidence": line.confidence, "quad": [list(point) for point in line.quad]}
                   for line in found]))
    with transaction.atomic():
        # Still there (a photo deleted while it was read is skipped).
        alive = set(Photo.objects.select_for_update().filter(id__in=[photo.pk for photo in photos])
                    .values_list("id", flat=True))
        rows = [row for row in rows if row.photo_id in alive]
        PhotoText.objects.bulk_create(rows, update_conflicts=True, unique_fields=["photo"],
                                      update_fields=["text", "normalised", "compact", "has_text", "lines", "engine",
                                                     "read_at"])
        PhotoText.objects.filter(photo_id__in=[row.photo_id for row in rows]).update(
            search_vector=SearchVector("normalised", config="simple"))
