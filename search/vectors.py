"""The one module that writes pgvector SQL: vector storage, indexes and similarity queries."""

from __future__ import annotations

from typing import Iterable

import numpy as np
from django.db import connection

from search.models import EmbeddingModel, PhotoEmbedding


def _index_name(model: EmbeddingModel) -> str:
    return f"photo_embedding_hnsw_model_{model.pk}"


def ensure_model_index(*, model: EmbeddingModel) -> None:
    """Create the model's partial HNSW cosine index (idempotent).

    The expression casts the unsized column to the model's width so HNSW can index it; queries
    must use the same expression and `model_id` filter for the planner to pick the index.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {_index_name(model)} ON {PhotoEmbedding._meta.db_table} "
            f"USING hnsw ((embedding::halfvec({int(model.dimensions)})) halfvec_cosine_ops) "
            f"WHERE model_id = {int(model.pk)}"
        )


def store_photo_embeddings(*, model: EmbeddingModel, rows: Iterable[tuple[int, int, np.ndarray]]) -> None:
    """Insert or replace vectors; rows are (photo_id, owner_id, unit vector)."""
    embeddings = []
    for photo_id, owner_id, vector in rows:
        if vector.shape != (model.dimensions,):
            raise ValueError(f"vector of shape {vector.shape} for a {model.dimensions}-d model")
        embeddings.append(PhotoEmbedding(photo_id=photo_id, owner_id=owner_id, model=model, embedding=vector))
    PhotoEmbedding.objects.bulk_create(
        embeddings,
        update_conflicts=True,
        unique_fields=["photo", "model"],
        update_fields=["embedding", "created_at"],
    )
