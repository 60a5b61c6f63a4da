"""Writes of the search app: model registry, photo vectors and re-indexing."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Callable

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from search import clip, tag_services, vectors
from search.models import EmbeddingModel, PhotoEmbedding, ReindexJob

logger = logging.getLogger(__name__)


def embedding_model_register(*, spec: clip.ModelSpec, dimensions: int) -> EmbeddingModel:
    """The database row for a set of weights, with its HNSW index in place."""
    model, created = EmbeddingModel.objects.get_or_create(
        key=spec.key,
        defaults={"architecture": spec.architecture, "pretrained": spec.pretrained, "dimensions": dimensions},
    )
    if created:
        vectors.ensure_model_index(model=model)
    return model


def active_embedding_model() -> EmbeddingModel:
    """The registered row for the model this process embeds with (loads the model)."""
    loaded = clip.get_model()
    return embedding_model_register(spec=loaded.spec, dimensions=loaded.dimensions)


def photo_embeddings_store(*, model: EmbeddingModel, rows: list[tuple[int, int, np.ndarray]]) -> None:
    vectors.store_photo_embeddings(model=model, rows=rows)


# --- Re-indexing --------------------------------------------------------------------------------
# Photos that are ready but have no vector for the active model are the work; nothing else is
# stored about it, so a re-index can be interrupted at any point and resumed without losing or
# repeating work (vectors are keyed by photo and model). Search meanwhile uses the active model
# only: a photo not yet re-embedded is left out of results until its turn comes.

REINDEX_LOCK_ID = 7_201_001  # pg advisory lock: one re-index at a time across processes


def photos_missing_vectors(*, model: EmbeddingModel):
    from gallery.models import Photo

    has_vector = PhotoEmbedding.objects.filter(photo=OuterRef("pk"), model=model)
    return Photo.objects.filter(status=Photo.Status.READY).exclude(Exists(has_vector))


def reindex_progress(*, model: EmbeddingModel) -> dict:
    from gallery.models import Photo

    ready = Photo.objects.filter(status=Photo.Status.READY).count()
    missing = photos_missing_vectors(model=model).count()
    job = model.reindex_jobs.first()
    progress = {"model": model.key, "ready_photos": ready, "indexed": ready - missing, "missing": missing,
                "job": None}
    if job:
        rate = _rate(job)
        progress["job"] = {"id": job.pk, "status": job.status, "total": job.total, "done": job.done,
                           "error": job.error, "started_at": job.started_at, "finished_at": job.finished_at,
                           "photos_per_second": rate,
                           "eta_seconds": round(missing / rate) if rate and job.status == "running" else None}
    return progress


def _rate(job: ReindexJob) -> float | None:
    if not job.started_at or not job.done:
        return None
    end = job.finished_at or timezone.now()
    seconds = max((end - job.started_at).total_seconds(), 1e-3)
    return round(job.done / seconds, 2)


def reindex_queue() -> ReindexJob:
    """Queue a re-index for the worker (or return the one already queued or running)."""
    model = active_embedding_model()
    job = model.reindex_jobs.filter(status__in=[ReindexJob.Status.QUEUED, ReindexJob.Status.RUNNING]).first()
    if job is None:
        job = ReindexJob.objects.create(model=model, total=photos_missing_vectors(model=model).count())
    from search.tasks import reindex_photos

    transaction.on_commit(lambda: _send(reindex_photos))
    return job


def _send(task) -> None:
    try:
        task.apply_async(retry=True)
    except Exception as exc:  # the broker is down: the periodic sweep starts it later
        logger.warning("could not queue the re-index (%s); the worker's sweep will start it", exc)


def reindex_if_needed() -> ReindexJob | None:
    """Queue a re-index when ready photos lack vectors for the active model (after a model switch)."""
    model = active_embedding_model()
    if not photos_missing_vectors(model=model).exists():
        return None
    return reindex_queue()


def reindex_run(*, batch_size: int | None = None, limit: int | None = None,
                progress: Callable[[dict], None] | None = None) -> ReindexJob | None:
    """Re-embed every ready photo that lacks a vector for the active model, in batches, from its
    thumbnail. Returns the job, or None if another process holds the re-index lock."""
    batch_size = batch_size or settings.CLIP_BATCH_SIZE
    with advisory_lock(REINDEX_LOCK_ID) as acquired:
        if not acquired:
            return None
        model = active_embedding_model()
        job = model.reindex_jobs.filter(status__in=[ReindexJob.Status.QUEUED, ReindexJob.Status.RUNNING]).first()
        missing = photos_missing_vectors(model=model)
        tag_services.tagging_vocabulary(model=model)  # new concept vectors, outside the batches
        if job is None:
            job = ReindexJob.objects.create(model=model, total=missing.count())
        job.status, job.started_at = ReindexJob.Status.RUNNING, job.started_at or timezone.now()
        job.total = job.done + missing.count()
        job.save()
        processed = 0
        try:
            while limit is None or processed < limit:
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
        return job


def _reindex_batch(*, model: EmbeddingModel, photos: list) -> None:
    from gallery import images
    from gallery.models import Photo

    decoded = []
    for photo in photos:
        field = photo.thumbnail or photo.original
        try:
            with field.open("rb") as handle:
                decoded.append((photo, images.load_rgb(handle, max_pixels=settings.UPLOAD_MAX_PIXELS,
                                                       fit_within=settings.THUMBNAIL_LONG_SIDE)))
        except (OSError, images.ImageRejected) as exc:
            Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.FAILED,
                                                     error=f"Re-indexing could not read the photo: {exc}")
    if decoded:
        embeddings = clip.encode_images([image for _, image in decoded])
        with transaction.atomic():
            alive = set(Photo.objects.select_for_update().filter(pk__in=[p.pk for p, _ in decoded])
                        .values_list("pk", flat=True))
            rows = [(photo.pk, photo.owner_id, vector) for (photo, _), vector in zip(decoded, embeddings)
                    if photo.pk in alive]
            vectors.store_photo_embeddings(model=model, rows=rows)
            tag_services.photos_tag(model=model, rows=rows)


@contextmanager
def advisory_lock(lock_id: int, *, wait: bool = False):
    """A PostgreSQL session lock across processes; yields whether this process got it (with
    `wait`, it waits for it)."""
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s), true", [lock_id])
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
        acquired = cursor.fetchone()[-1]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
