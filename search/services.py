"""Writes of the search app: model registry and photo vectors."""

from __future__ import annotations

import numpy as np

from search import clip, vectors
from search.models import EmbeddingModel


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
