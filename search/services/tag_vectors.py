"""Writes of photos' GloVe tag vectors (the tag side of word search), from their visible tags."""

from __future__ import annotations

import numpy as np

from search import vectors
from search.models import PhotoTag

# Tags the owner added count fully in the photo's tag vector; automatic ones by their probability.
USER_TAG_WEIGHT = 1.0


def tag_vectors_update(*, photo_ids: list[int]) -> None:
    """Recompute photos' GloVe tag vectors from their visible tags."""
    weighted: dict[int, tuple[int, list[np.ndarray]]] = {}
    owners = dict(PhotoTag.objects.filter(photo_id__in=photo_ids).values_list("photo_id", "owner_id").distinct())
    rows = PhotoTag.objects.filter(photo_id__in=photo_ids, hidden=False, glove__isnull=False).values_list(
        "photo_id", "source", "score", "glove")
    for photo_id, source, score, vector in rows:
        weight = USER_TAG_WEIGHT if source == PhotoTag.Source.USER else (score or 0.0)
        unit = np.asarray(vector, dtype=np.float32)
        weighted.setdefault(photo_id, (owners[photo_id], []))[1].append(weight * unit / max(np.linalg.norm(unit), 1e-12))
    result = []
    for photo_id in photo_ids:
        owner_id, parts = weighted.get(photo_id, (owners.get(photo_id), []))
        total = np.sum(parts, axis=0) if parts else None
        norm = float(np.linalg.norm(total)) if total is not None else 0.0
        result.append((photo_id, owner_id, total / norm if norm > 1e-9 else None))
    vectors.tag_vectors_store(rows=result)
