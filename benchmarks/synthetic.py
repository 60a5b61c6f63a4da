"""Vectors shaped like photo embeddings, for benchmarks and tests: a seeded Gaussian mixture
on the unit sphere. Isotropic random vectors make every neighbour a near-tie (the worst case for
any ANN index), so they say nothing about photos; clusters do."""

from __future__ import annotations

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from gallery.models import Photo
from search import vectors
from search.models import EmbeddingModel, PhotoEmbedding


def clustered_vectors(count: int, *, dims: int, clusters: int, spread: float = 0.6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dims)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    points = centres[rng.integers(0, clusters, size=count)]
    points = points + rng.standard_normal((count, dims)).astype(np.float32) * (spread / np.sqrt(dims))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def synthetic_model(*, dims: int, key: str = "synthetic/test", index: bool = True) -> EmbeddingModel:
    model, _ = EmbeddingModel.objects.get_or_create(key=key, defaults={
        "architecture": "synthetic", "pretrained": "", "dimensions": dims})
    if index:
        vectors.ensure_model_index(model=model)
    return model


def fill_gallery(*, owner, model: EmbeddingModel, matrix: np.ndarray, batch_size: int = 2000) -> list[int]:
    """Ready photos (database rows only, no files) with the given vectors; their ids in order."""
    start = Photo.objects.count()
    photos = Photo.objects.bulk_create([
        Photo(owner=owner, original=f"originals/synthetic/{owner.pk}-{start + i}.jpg", original_name=f"s{i}.jpg",
              sha256=f"{owner.pk:08d}{start + i:056d}", content_type="image/jpeg", file_size=1, width=1,
              height=1, status=Photo.Status.READY)
        for i in range(len(matrix))
    ], batch_size=batch_size)
    PhotoEmbedding.objects.bulk_create([
        PhotoEmbedding(photo=photo, owner=owner, model=model, embedding=vector)
        for photo, vector in zip(photos, matrix)
    ], batch_size=batch_size)
    return [photo.pk for photo in photos]


def make_users(count: int, prefix: str = "synthetic"):
    User = get_user_model()
    return [User.objects.create_user(username=f"{prefix}-{i}") for i in range(count)]


def exact_top_k(matrix: np.ndarray, ids: list[int], query: np.ndarray, k: int, exclude: int | None = None) -> list[int]:
    scores = matrix @ query
    top = np.argpartition(-scores, min(k + 1, len(scores) - 1))[: k + 1]
    order = top[np.argsort(-scores[top])]
    return [ids[i] for i in order if ids[i] != exclude][:k]


def remove_users_and_model(*, prefix: str, model_key: str) -> None:
    """Delete a benchmark's users (named `prefix`-N, with their photos and vectors) and its
    synthetic model with the model's partial HNSW index and its galleries' (which would outlive it)."""
    users = get_user_model().objects.filter(username__startswith=prefix + "-")
    if users.exists():
        with transaction.atomic():
            users.delete()
    for model in EmbeddingModel.objects.filter(key=model_key):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {vectors.model_index_name(model)}")
        drop_gallery_indexes(model)
        model.delete()


def model_gallery_indexes(model: EmbeddingModel) -> list[tuple[int, int]]:
    """(model id, owner id) of the model's galleries' own indexes, read afresh (the keys are cached)."""
    vectors._sizes.clear()
    return [key for key in vectors.gallery_index_keys() if key[0] == model.pk]


def drop_gallery_indexes(model: EmbeddingModel) -> None:
    for model_id, owner_id in model_gallery_indexes(model):
        vectors.gallery_index_drop(model_id=model_id, owner_id=owner_id)
