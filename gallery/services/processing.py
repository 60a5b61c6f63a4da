"""Writes of the worker's photo pipeline: claim pending photos in batches, decode them, store
previews and thumbnails, look up places, embed them and index their vectors (through search's
indexing service), then queue reading their text (search's photo_text service)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from gallery import images
from gallery.models import Photo
from gallery.services.photo_metadata import PLACE_FIELDS, photos_place
from gallery.tasks import process_pending_photos
from search.clip import encoders
from search.clip.weights import ModelUnavailable
from search.services.embedding_models import active_model_ensure
from search.services.indexing import photos_index
from search.services.photo_text import photo_text_enqueue
from search.services.vocabulary import tagging_vocabulary

logger = logging.getLogger(__name__)


def photos_enqueue_processing() -> bool:
    """Ask a worker to process pending photos. A broker outage must not fail the upload:
    the photos stay pending and the periodic sweep (or `manage.py process_pending`) queues them."""
    try:
        process_pending_photos.apply_async(retry=True)
        return True
    except Exception as exc:  # noqa: BLE001 - kombu raises several kinds of connection errors
        logger.warning("could not reach the task broker (%s); pending photos will be queued by the sweep", exc)
        return False


def _claim_batch(*, size: int) -> list[Photo]:
    """Atomically move up to `size` of the oldest pending photos to processing."""
    with transaction.atomic():
        Photo.objects.filter(status=Photo.Status.PENDING, attempts__gte=settings.PROCESSING_MAX_ATTEMPTS).update(
            status=Photo.Status.FAILED, processed_at=timezone.now(),
            error=f"Processing did not finish after {settings.PROCESSING_MAX_ATTEMPTS} attempts.")
        ids = list(
            Photo.objects.select_for_update(skip_locked=True)
            .filter(status=Photo.Status.PENDING)
            .order_by("created_at", "id")
            .values_list("id", flat=True)[:size]
        )
        if not ids:
            return []
        now = timezone.now()
        Photo.objects.filter(id__in=ids).update(status=Photo.Status.PROCESSING, claimed_at=now,
                                                attempts=F("attempts") + 1)
    logger.debug("claimed photos %s", ids)  # which worker held what, when one died
    return list(Photo.objects.filter(id__in=ids).order_by("created_at", "id"))


def _mark_failed(*, photo_ids: list[int], error: str) -> None:
    Photo.objects.filter(id__in=photo_ids, status=Photo.Status.PROCESSING).update(
        status=Photo.Status.FAILED, error=error[:2000], processed_at=timezone.now())


@dataclass(frozen=True)
class _Prepared:
    image: object  # the upright sRGB image, at most THUMBNAIL_LONG_SIDE: the model's input
    thumbnail_name: str
    preview_name: str

    @property
    def file_names(self) -> list[str]:
        return [self.thumbnail_name, self.preview_name]


def _prepare_for_embedding(photo: Photo) -> _Prepared | images.ImageRejected:
    """Decode the original once and store its preview and thumbnail (the model's input is the
    thumbnail's image)."""
    try:
        with photo.open_original() as handle:
            large = images.load_rgb(handle, max_pixels=settings.UPLOAD_MAX_PIXELS,
                                    fit_within=settings.PREVIEW_LONG_SIDE)
        preview = images.preview_bytes(large, long_side=settings.PREVIEW_LONG_SIDE)
        image = images.shrunk(large, long_side=settings.THUMBNAIL_LONG_SIDE)
        thumbnail = images.thumbnail_jpeg(image, long_side=settings.THUMBNAIL_LONG_SIDE)
    except images.ImageRejected as exc:
        return exc
    except FileNotFoundError:
        where = f" ({photo.external_path})" if photo.external_path else ""
        return images.ImageRejected(f"The original file is missing from storage{where}.")
    except OSError as exc:
        return images.ImageRejected(f"The original file could not be read: {exc}.")
    except Exception as exc:
        logger.exception("photo %s could not be prepared", photo.pk)
        return images.ImageRejected(f"The photo could not be processed: {exc}.")
    storage = photo.thumbnail.storage
    thumbnail_name = storage.save(photo.thumbnail.field.generate_filename(photo, "thumbnail.jpg"), ContentFile(thumbnail))
    preview_name = storage.save(photo.preview.field.generate_filename(photo, "preview.jpg"), ContentFile(preview))
    return _Prepared(image=image, thumbnail_name=thumbnail_name, preview_name=preview_name)


@contextmanager
def _decoder():
    """Where batches are decoded: in a thread beside the model when the machine has cores to
    spare, else inline (on 2 cores an extra thread only fights torch's own threads: measured
    here, overlapped decoding ran at 60% of model-only speed, inline at 85%)."""
    if settings.PROCESSING_DECODE_THREADS:
        with ThreadPoolExecutor(max_workers=settings.PROCESSING_DECODE_THREADS, thread_name_prefix="decode") as pool:
            yield pool
    else:
        yield _InlineDecoder()


class _InlineDecoder:
    @staticmethod
    def map(function, items):
        return [function(item) for item in items]


def photos_process_pending(*, batch_size: int | None = None, limit: int | None = None,
                           budget_seconds: float | None = None, max_batches: int | None = None) -> int:
    """Process pending photos in batches until none are left (or `limit` is reached).

    A worker's task passes a budget (time and batches): past it, no new batch is claimed and the
    continuation is queued, so that no task outlives the broker's visibility timeout (after which
    Redis would hand its message to a second worker). Without one (`manage.py process_pending`,
    tests) it runs until the queue is empty.
    With PROCESSING_DECODE_THREADS, the next batch is decoded while the model embeds this one.
    Returns how many photos this call finished (ready or failed).
    """
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    batches, finished, continued = 0, 0, False
    try:
        model_row = active_model_ensure()
        batch_size = batch_size or encoders.batch_size()  # larger on a GPU
    except ModelUnavailable as exc:
        return _fail_all_pending(error=str(exc))
    # Concept vectors for a new model are computed here, not inside a batch's transaction.
    tagging_vocabulary(model=model_row)

    claimed: list[Photo] = []
    prepared: list = []
    try:
        with _decoder() as decoder:
            batch = claimed = _claim_batch(size=batch_size)
            decoded = decoder.map(_prepare_for_embedding, batch)
            while batch:
                current, current_images = batch, list(decoded)
                prepared = current_images
                finished += len(current)
                batches += 1
                if limit is not None and finished >= limit:
                    batch = []
                elif _over_budget(deadline=deadline, batches=batches, max_batches=max_batches):
                    batch, continued = [], True
                else:
                    batch = _claim_batch(size=batch_size)
                    decoded = decoder.map(_prepare_for_embedding, batch)
                claimed = current + batch
                _finish_batch(photos=current, decoded=current_images, model_row=model_row)
                prepared = []
    except Exception:
        # A transient failure (database, disk): hand our claims back so the retry finds them,
        # and remove the thumbnails this attempt wrote (the retry writes its own).
        _release(photo_ids=[photo.pk for photo in claimed])
        _delete_files([name for item in prepared if isinstance(item, _Prepared) for name in item.file_names])
        raise
    if continued and Photo.objects.filter(status=Photo.Status.PENDING).exists():
        photos_enqueue_processing()  # the rest in a fresh task, possibly on another worker
    if finished:
        photo_text_enqueue()  # the lower-priority stage: the photos are ready and searchable already
    return finished


def _over_budget(*, deadline: float | None, batches: int, max_batches: int | None) -> bool:
    return (deadline is not None and time.monotonic() >= deadline) or (max_batches is not None and batches >= max_batches)


def _release(*, photo_ids: list[int]) -> None:
    try:
        Photo.objects.filter(id__in=photo_ids, status=Photo.Status.PROCESSING).update(status=Photo.Status.PENDING)
    except Exception as exc:  # noqa: BLE001 - the database itself may be what failed; the sweep covers that
        logger.warning("could not release claimed photos %s: %s", photo_ids, exc)


def _finish_batch(*, photos: list[Photo], decoded: list, model_row) -> None:
    failures = [(photo, result) for photo, result in zip(photos, decoded) if isinstance(result, Exception)]
    for photo, error in failures:
        logger.info("photo %s failed: %s", photo.pk, error)
        _mark_failed(photo_ids=[photo.pk], error=getattr(error, "message", str(error)))
    good = [(photo, image) for photo, image in zip(photos, decoded) if not isinstance(image, Exception)]
    if not good:
        return
    try:
        vectors = encoders.encode_images([prepared.image for _, prepared in good])
    except ModelUnavailable as exc:
        _mark_failed(photo_ids=[photo.pk for photo, _ in good], error=str(exc))
        _delete_files([name for _, prepared in good for name in prepared.file_names])
        return
    placed = photos_place(photos=[photo for photo, _ in good])  # outside the transaction: 0.5 s on first use

    with transaction.atomic():
        alive = set(
            Photo.objects.select_for_update()
            # Still ours: not deleted, and not released to another worker by the sweep meanwhile.
            .filter(id__in=[photo.pk for photo, _ in good], status=Photo.Status.PROCESSING,
                    claimed_at=good[0][0].claimed_at)
            .values_list("id", flat=True)
        )
        stored = [(photo.pk, photo.owner_id, vector) for (photo, _), vector in zip(good, vectors) if photo.pk in alive]
        photos_index(model=model_row, rows=stored)
        now = timezone.now()
        finished = []
        for photo, prepared in good:
            if photo.pk in alive:
                photo.status, photo.error, photo.processed_at = Photo.Status.READY, "", now
                photo.thumbnail.name, photo.preview.name = prepared.thumbnail_name, prepared.preview_name
                finished.append(photo)
        Photo.objects.bulk_update(finished, ["status", "error", "processed_at", "thumbnail", "preview",
                                             *(PLACE_FIELDS if placed else ())])
    # Deleted (or reclaimed) while we worked: drop our output quietly.
    _delete_files([name for photo, prepared in good if photo.pk not in alive for name in prepared.file_names])


def _delete_files(names: list[str]) -> None:
    storage = Photo._meta.get_field("thumbnail").storage
    for name in names:
        storage.delete(name)


def _fail_all_pending(*, error: str) -> int:
    finished = 0
    while batch := _claim_batch(size=100):
        _mark_failed(photo_ids=[photo.pk for photo in batch], error=error)
        finished += len(batch)
    return finished


def photos_preview_backfill(*, batch_size: int = 50, progress: Callable[[int, int], None] | None = None) -> int:
    """Make the missing previews of ready photos (processed before previews existed). A photo whose
    original can't be read keeps showing its thumbnail. Returns how many previews were made."""
    pending = Photo.objects.filter(status=Photo.Status.READY, preview="").filter(
        Q(original__gt="") | Q(external_path__gt="")).order_by("id")
    total, seen, made, last_id = pending.count(), 0, 0, 0
    while batch := list(pending.filter(id__gt=last_id)[:batch_size]):
        for photo in batch:
            made += _preview_store(photo)
        last_id, seen = batch[-1].pk, seen + len(batch)
        if progress:
            progress(seen, total)
    return made


def _preview_store(photo: Photo) -> bool:
    try:
        with photo.open_original() as handle:
            large = images.load_rgb(handle, max_pixels=settings.UPLOAD_MAX_PIXELS, fit_within=settings.PREVIEW_LONG_SIDE)
    except (OSError, images.ImageRejected) as exc:
        logger.info("photo %s: no preview (%s)", photo.pk, exc)
        return False
    name = photo.preview.storage.save(photo.preview.field.generate_filename(photo, "preview.jpg"),
                                      ContentFile(images.preview_bytes(large, long_side=settings.PREVIEW_LONG_SIDE)))
    if not Photo.objects.filter(pk=photo.pk, preview="").update(preview=name):  # deleted, or made meanwhile
        photo.preview.storage.delete(name)
        return False
    return True
