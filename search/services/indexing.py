"""Writes of photos' search data: their image vectors, then their automatic tags. The worker's
photo pipeline and re-indexing both store through here."""

from __future__ import annotations

import numpy as np

from search import vectors
from search.models import EmbeddingModel
from search.services.tagging import photos_tag


def photos_index(*, model: EmbeddingModel, rows: list[tuple[int, int, np.ndarray]]) -> None:
    """Store photos' vectors for `model` and tag them; rows are (photo_id, owner_id, unit vector).
    Call inside the transaction that marks the photos done, so a photo is never ready without them."""
    vectors.store_photo_embeddings(model=model, rows=rows)
    photos_tag(model=model, rows=rows)
