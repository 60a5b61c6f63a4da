"""Reads of the model registry: the active model's row, and how far re-indexing has come."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from gallery.models import Photo
from search import query_encoding
from search.models import EmbeddingModel, PhotoEmbedding, ReindexJob

_searched_model: ContextVar[EmbeddingModel | None] = ContextVar("searched_model", default=None)


def active_model() -> EmbeddingModel | None:
    """The database row of the active model, or None before anything was embedded with it."""
    override = _searched_model.get()
    if override is not None:
        return override
    return EmbeddingModel.objects.filter(key=query_encoding.active_model().key).first()


@contextmanager
def searching_model(model: EmbeddingModel) -> Iterator[None]:
    """Search another model's stored vectors while the active model still encodes the queries
    (synthetic vectors in speed measurements, tests): in this thread or task only."""
    token = _searched_model.set(model)
    try:
        yield
    finally:
        _searched_model.reset(token)


def photos_missing_vectors(*, model: EmbeddingModel) -> QuerySet[Photo]:
    """Ready photos without a vector for `model`: the work of a re-index."""
    has_vector = PhotoEmbedding.objects.filter(photo=OuterRef("pk"), model=model)
    return Photo.objects.filter(status=Photo.Status.READY).exclude(Exists(has_vector))


def reindex_progress(*, model: EmbeddingModel) -> dict:
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
