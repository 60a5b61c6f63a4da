"""Writes of re-indexing: re-embedding every ready photo with the active model.

Photos that are ready but have no vector for the active model are the work; nothing else is
stored about it, so a re-index can be interrupted at any point and resumed without losing or
repeating work (vectors are keyed by photo and model). Search meanwhile uses the active model
only: a photo not yet re-embedded is left out of results until its turn comes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gallery import images
from gallery.models import Photo
from imagesearch.db import advisory_lock
from search.clip import encoders
from search.models import EmbeddingModel, ReindexJob
from search.selectors.embedding_models import photos_missing_vectors, reindex_progress
from search.services.embedding_models import active_model_ensure
from search.services.indexing import photos_index
from search.services.vocabulary import tagging_vocabulary
from search.tasks import reindex_photos

logger = logging.getLogger(__name__)

REINDEX_LOCK_ID = 7_201_001  # pg advisory lock: one re-index at a time across processes


def reindex_queue() -> ReindexJob:
    """Queue a re-index for the worker (or return the one already queued or running)."""
    model = active_model_ensure()
    job = model.reindex_jobs.filter(status__in=[ReindexJob.Status.QUEUED, ReindexJob.Status.RUNNING]).first()
    if job is None:
        job = ReindexJob.objects.create(model=model, total=photos_missing_vectors(model=model).count())
    transaction.on_commit(_send)
    return job


def _send() -> None:
    try:
        reindex_photos.apply_async(retry=True)
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds; the periodic sweep starts it later
        logger.warning("could not queue the re-index (%s); the worker's sweep will start it", exc)


def reindex_if_needed() -> ReindexJob | None:
    """Queue a re-index when ready photos lack vectors for the active model (after a model switch)."""
    model = active_model_ensure()
    if not photos_missing_vectors(model=model).exists():
        return None
    return reindex_queue()


def reindex_run(*, batch_size: int | None = None, limit: int | None = None,
                progress: Callable[[dict], None] | None = None,
                budget_seconds: float | None = None) -> ReindexJob | None:
    """Re-embed every ready photo that lacks a vector for the active model, in batches, from its
    thumbnail. Returns the job, or None if another process holds the re-index lock.

    With a budget (the worker's task), it stops claiming batches after `budget_seconds` and
    queues its continuation, so that no task outlives the broker's visibility timeout."""
    with advisory_lock(REINDEX_LOCK_ID) as acquired:
        if not acquired:
            return None
        job, continued = _reindex_locked(batch_size=batch_size or encoders.batch_size(), limit=limit,
                                         progress=progress, budget_seconds=budget_seconds)
    if continued:
        _send()  # once the lock is free, so that the continuation (on any worker) can take it
    return job


def _reindex_locked(*, batch_size: int, limit: int | None, progress: Callable[[dict], None] | None,
                    budget_seconds: float | None) -> tuple[ReindexJob, bool]:
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    continued = False
    model = active_model_ensure()
    job = model.reindex_jobs.filter(status__in=[ReindexJob.Status.QUEUED, ReindexJob.Status.RUNNING]).first()
    missing = photos_missing_vectors(model=model)
    tagging_vocabulary(model=model)  # new concept vectors, outside the batches
    if job is None:
        job = ReindexJob.objects.create(model=model, total=missing.count())
    job.status, job.started_at = ReindexJob.Status.RUNNING, job.started_at or timezone.now()
    job.total = job.done + missing.count()
    job.save()
    processed = 0
    try:
        while limit is None or processed < limit:
            if deadline is not None and time.monotonic() >= deadline:
                continued = True
                break
            batch = list(missing.order_by("id").select_related(None)[:batch_size])
            if not batch:
                break
            _reindex_batch(model=model, photos=batch)
            processed += len(batch)
            ReindexJob.objects.filter(pk=job.pk).update(done=F("done") + len(batch), updated_at=timezone.now())
            job.refresh_from_db()
            if progress:
                progress(reindex_progress(model=model))
    except Exception as exc:
        job.status, job.error = ReindexJob.Status.FAILED, str(exc)[:2000]
        job.save()
        raise
    if not missing.exists():
        job.status, job.finished_at = ReindexJob.Status.DONE, timezone.now()
        job.save()
    return job, continued


def _reindex_batch(*, model: EmbeddingModel, photos: list[Photo]) -> None:
    decoded = []
    for photo in photos:
        try:
            with photo.thumbnail.open("rb") if photo.thumbnail else photo.open_original() as handle:
                decoded.append((photo, images.load_rgb(handle, max_pixels=settings.UPLOAD_MAX_PIXELS,
                                                       fit_within=settings.THUMBNAIL_LONG_SIDE)))
        except (OSError, images.ImageRejected) as exc:
            Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.FAILED,
                                                     error=f"Re-indexing could not read the photo: {exc}")
    if decoded:
        embeddings = encoders.encode_images([image for _, image in decoded])
        with transaction.atomic():
            alive = set(Photo.objects.select_for_update().filter(pk__in=[p.pk for p, _ in decoded])
                        .values_list("pk", flat=True))
            rows = [(photo.pk, photo.owner_id, vector) for (photo, _), vector in zip(decoded, embeddings)
                    if photo.pk in alive]
            photos_index(model=model, rows=rows)
