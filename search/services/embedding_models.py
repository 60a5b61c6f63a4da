"""Writes of the model registry: the database row (and HNSW index) for a set of weights."""

from __future__ import annotations

from search import query_encoding, vectors
from search.models import EmbeddingModel


def embedding_model_register(*, key: str, architecture: str, pretrained: str, dimensions: int) -> EmbeddingModel:
    """The database row for a set of weights, with its HNSW index in place."""
    model, created = EmbeddingModel.objects.get_or_create(
        key=key, defaults={"architecture": architecture, "pretrained": pretrained, "dimensions": dimensions},
    )
    if created:
        vectors.ensure_model_index(model=model)
    return model


def active_model_ensure() -> EmbeddingModel:
    """The active model's row, registered if new (loads the model, or asks an ML worker which it
    is; searches read it with `selectors.embedding_models.active_model`)."""
    model = query_encoding.active_model()
    return embedding_model_register(key=model.key, architecture=model.architecture, pretrained=model.pretrained,
                                    dimensions=model.dimensions)
