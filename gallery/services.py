"""Writes of the gallery: uploads, deletion and background processing of photos."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from gallery import images
from gallery.models import Photo
from imagesearch.exceptions import ApplicationError
from search import clip
from search import services as search_services
from search import tag_services

logger = logging.getLogger(__name__)

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
              "image/tiff": ".tif", "image/bmp": ".bmp"}


@dataclass(frozen=True)
class UploadOutcome:
    filename: str
    result: Literal["added", "duplicate", "rejected"]
    photo: Photo | None = None
    error: str = ""


def clean_file_name(name: str | None) -> str:
    """The user's file name as display data: no directories, no control characters, <= 255."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > 255:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: 250 - len(suffix)] + "…." + suffix) if dot and len(suffix) <= 10 else base[:254] + "…"
    return base or "unnamed"


def _sha256(file: UploadedFile) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def photo_upload(*, owner, file: UploadedFile, enqueue: bool = True) -> UploadOutcome:
    """Validate and store one uploaded file; processing is queued after the commit
    (`enqueue=False` when the caller processes in-process, as `manage.py evaluate` does)."""
    filename = clean_file_name(file.name)
    if not file.size:
        return UploadOutcome(filename=filename, result="rejected", error="The file is empty.")
    if file.size > settings.UPLOAD_MAX_BYTES:
        return UploadOutcome(filename=filename, result="rejected",
                             error=f"The file is {filesizeformat(file.size)}; the limit is "
                                   f"{filesizeformat(settings.UPLOAD_MAX_BYTES)}.")
    sha256 = _sha256(file)
    existing = Photo.objects.filter(owner=owner, sha256=sha256).first()
    if existing:
        return UploadOutcome(filename=filename, result="duplicate", photo=existing)
    try:
        info = images.inspect(file, max_pixels=settings.UPLOAD_MAX_PIXELS)
    except images.ImageRejected as exc:
        return UploadOutcome(filename=filename, result="rejected", error=exc.message)

    photo = Photo(owner=owner, original_name=filename, sha256=sha256, content_type=info.content_type,
                  file_size=file.size, width=info.width, height=info.height, taken_at=info.taken_at,
                  queued_at=timezone.now())
    file.seek(0)
    photo.original.save(f"upload{EXTENSIONS[info.content_type]}", file, save=False)
    try:
        with transaction.atomic():
            photo.save()
            if enqueue:
                transaction.on_commit(photos_enqueue_processing)
    except IntegrityError:
        # The same file arrived twice at once; the other request stored it first.
        photo.original.storage.delete(photo.original.name)
        return UploadOutcome(filename=filename, result="duplicate",
                             photo=Photo.objects.get(owner=owner, sha256=sha256))
    except Exception:
        photo.original.storage.delete(photo.original.name)
        raise
    return UploadOutcome(filename=filename, result="added", photo=photo)


def photos_upload(*, owner, files: list[UploadedFile]) -> list[UploadOutcome]:
    """Several files at once; one message to the worker for all of them."""
    if not files:
        raise ApplicationError("Choose one or more photos to upload.", field="files")
    if len(files) > settings.UPLOAD_MAX_FILES:
        raise ApplicationError(f"At most {settings.UPLOAD_MAX_FILES} files at once; this was {len(files)}.",
                               field="files")
    outcomes = [photo_upload(owner=owner, file=file, enqueue=False) for file in files]
    if any(outcome.result == "added" for outcome in outcomes):
        transaction.on_commit(photos_enqueue_processing)
    return outcomes


def photo_delete(*, photo: Photo) -> None:
    """Delete a photo, its vectors (cascade) and, after the commit, its files."""
    with transaction.atomic():
        # Lock and re-read: the worker may have just stored a thumbnail this instance doesn't know.
        Photo.objects.select_for_update().get(pk=photo.pk).delete()


def photos_retry_failed(*, owner=None) -> int:
    """Queue failed photos again (after fixing the model configuration, say)."""
    failed = Photo.objects.filter(status=Photo.Status.FAILED)
    if owner is not None:
        failed = failed.filter(owner=owner)
    with transaction.atomic():
        count = failed.update(status=Photo.Status.PENDING, error="", attempts=0, queued_at=timezone.now())
        if count:
            transaction.on_commit(photos_enqueue_processing)
    return count


def photos_enqueue_processing() -> bool:
    """Ask a worker to process pending photos. A broker outage must not fail the upload:
    the photos stay pending and the periodic sweep (or `manage.py process_pending`) queues them."""
    from gallery.tasks import process_pending_photos

    try:
        process_pending_photos.apply_async(retry=True)
        return True
    except Exception as exc:  # kombu raises several kinds of connection errors
        logger.warning("could not reach the task broker (%s); pending photos will be queued by the sweep", exc)
        return False


# --- Processing (runs in the worker) ------------------------------------------------------------

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
    return list(Photo.objects.filter(id__in=ids).order_by("created_at", "id"))


def _mark_failed(*, photo_ids: list[int], error: str) -> None:
    Photo.objects.filter(id__in=photo_ids, status=Photo.Status.PROCESSING).update(
        status=Photo.Status.FAILED, error=error[:2000], processed_at=timezone.now())


@dataclass(frozen=True)
class _Prepared:
    image: object  # the upright RGB image, at most THUMBNAIL_LONG_SIDE
    thumbnail_name: str


def _prepare_for_embedding(photo: Photo) -> _Prepared | images.ImageRejected:
    """Decode the original and store its thumbnail (the model's input is that same image)."""
    try:
        with photo.original.open("rb") as handle:
            image = images.load_rgb(handle, max_pixels=settings.UPLOAD_MAX_PIXELS,
                                    fit_within=settings.THUMBNAIL_LONG_SIDE)
        thumbnail = images.thumbnail_jpeg(image, long_side=settings.THUMBNAIL_LONG_SIDE)
    except images.ImageRejected as exc:
        return exc
    except FileNotFoundError:
        return images.ImageRejected("The original file is missing from storage.")
    except OSError as exc:
        return images.ImageRejected(f"The original file could not be read: {exc}.")
    except Exception as exc:  # a hostile file must fail alone, never block the queue
        logger.exception("photo %s could not be prepared", photo.pk)
        return images.ImageRejected(f"The photo could not be processed: {exc}.")
    name = photo.thumbnail.storage.save(photo.thumbnail.field.generate_filename(photo, "thumbnail.jpg"),
                                        ContentFile(thumbnail))
    return _Prepared(image=image, thumbnail_name=name)


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


def photos_process_pending(*, batch_size: int | None = None, limit: int | None = None) -> int:
    """Process pending photos in batches until none are left (or `limit` is reached).

    With PROCESSING_DECODE_THREADS, the next batch is decoded while the model embeds this one.
    Returns how many photos this call finished (ready or failed).
    """
    batch_size = batch_size or settings.CLIP_BATCH_SIZE
    finished = 0
    try:
        model_row = search_services.active_embedding_model()
    except clip.ModelUnavailable as exc:
        return _fail_all_pending(error=str(exc))
    # Concept vectors for a new model are computed here, not inside a batch's transaction.
    tag_services.tagging_vocabulary(model=model_row)

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
                if limit is not None and finished >= limit:
                    batch = []
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
        _delete_files([item.thumbnail_name for item in prepared if isinstance(item, _Prepared)])
        raise
    return finished


def _release(*, photo_ids: list[int]) -> None:
    try:
        Photo.objects.filter(id__in=photo_ids, status=Photo.Status.PROCESSING).update(status=Photo.Status.PENDING)
    except Exception as exc:  # the database itself may be what failed; the sweep covers that
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
        vectors = clip.encode_images([prepared.image for _, prepared in good])
    except clip.ModelUnavailable as exc:
        _mark_failed(photo_ids=[photo.pk for photo, _ in good], error=str(exc))
        _delete_files([prepared.thumbnail_name for _, prepared in good])
        return

    with transaction.atomic():
        alive = set(
            Photo.objects.select_for_update()
            # Still ours: not deleted, and not released to another worker by the sweep meanwhile.
            .filter(id__in=[photo.pk for photo, _ in good], status=Photo.Status.PROCESSING,
                    claimed_at=good[0][0].claimed_at)
            .values_list("id", flat=True)
        )
        stored = [(photo.pk, photo.owner_id, vector) for (photo, _), vector in zip(good, vectors) if photo.pk in alive]
        search_services.photo_embeddings_store(model=model_row, rows=stored)
        tag_services.photos_tag(model=model_row, rows=stored)
        now = timezone.now()
        finished = []
        for photo, prepared in good:
            if photo.pk in alive:
                photo.status, photo.error, photo.processed_at = Photo.Status.READY, "", now
                photo.thumbnail.name = prepared.thumbnail_name
                finished.append(photo)
        Photo.objects.bulk_update(finished, ["status", "error", "processed_at", "thumbnail"])
    # Deleted (or reclaimed) while we worked: drop our output quietly.
    _delete_files([prepared.thumbnail_name for photo, prepared in good if photo.pk not in alive])


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
    """Delete thumbnail files no photo refers to (a worker killed mid-batch leaves its batch's
    thumbnails behind). Files younger than `older_than` may belong to a running batch: kept."""
    storage = Photo._meta.get_field("thumbnail").storage
    cutoff = timezone.now() - older_than
    referenced = set(Photo.objects.exclude(thumbnail="").values_list("thumbnail", flat=True))
    removed = 0
    folders, _ = storage.listdir("thumbnails") if storage.exists("thumbnails") else ([], [])
    for folder in folders:
        for name in storage.listdir(f"thumbnails/{folder}")[1]:
            path = f"thumbnails/{folder}/{name}"
            try:
                orphaned = path not in referenced and storage.get_modified_time(path) < cutoff
            except FileNotFoundError:  # deleted meanwhile
                continue
            if orphaned:
                storage.delete(path)
                removed += 1
    if removed:
        logger.info("removed %d orphaned thumbnail(s)", removed)
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
    reindex = search_services.reindex_if_needed()
    tagged = tag_services.tags_backfill(limit=SWEEP_BACKFILL_LIMIT)
    return {"released": released, "requeued": waited, "reindex_job": reindex.pk if reindex else None,
            "tagged": tagged}
