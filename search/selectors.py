"""Reads of the search app: the active model and searches within one user's gallery."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gallery.models import Photo
from search import clip, vectors
from search.models import EmbeddingModel


@dataclass(frozen=True)
class ScoredPhoto:
    photo: Photo
    score: float


def active_model_row() -> EmbeddingModel | None:
    """The database row of the active model, or None before anything was embedded with it."""
    return EmbeddingModel.objects.filter(key=clip.active_spec().key).first()


def photos_near(
    *,
    owner,
    query: np.ndarray,
    model: EmbeddingModel,
    limit: int = 30,
    offset: int = 0,
    min_score: float | None = None,
    metric: str = "cosine",
    exclude_photo_id: int | None = None,
) -> list[ScoredPhoto]:
    """The owner's ready photos nearest to a query vector, best first, at or above `min_score`."""
    matches = vectors.nearest(model=model, owner_id=owner.pk, query=query, limit=limit, offset=offset,
                              metric=metric, exclude_photo_id=exclude_photo_id)
    if min_score is not None:
        # Results are sorted, so the cutoff only trims the tail.
        matches = [match for match in matches if match.score >= min_score]
    photos = Photo.objects.in_bulk([match.photo_id for match in matches])
    return [ScoredPhoto(photo=photos[m.photo_id], score=m.score) for m in matches if m.photo_id in photos]
