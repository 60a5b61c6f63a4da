"""Writes of the model registry: the database row (and HNSW index) for a set of weights."""

from __future__ import annotations

from search import vectors
from search.clip import encoders
from search.clip.weights import ModelSpec
from search.models import EmbeddingModel


def embedding_model_register(*, spec: ModelSpec, dimensions: int) -> EmbeddingModel:
    """The database row for a set of weights, with its HNSW index in place."""
    model, created = EmbeddingModel.objects.get_or_create(
        key=spec.key,
        defaults={"architecture": spec.architecture, "pretrained": spec.pretrained, "dimensions": dimensions},
    )
    if created:
        vectors.ensure_model_index(model=model)
    return model


def active_model_ensure() -> EmbeddingModel:
    """The active model's row, registered if new (loads the model: the worker's side; searches
    read it with `selectors.embedding_models.active_model`)."""
    loaded = encoders.get_model()
    return embedding_model_register(spec=loaded.spec, dimensions=loaded.dimensions)
