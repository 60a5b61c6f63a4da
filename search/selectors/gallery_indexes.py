"""Reads of the galleries' own HNSW indexes (search.services.gallery_indexes builds them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model

from search import vectors
from search.models import EmbeddingModel


@dataclass(frozen=True)
class GalleryIndexRow:
    model: str
    owner: str
    photos: int
    state: str  # "built", "building or failed" (an invalid index), "due" (the next sync builds it)


def gallery_index_status(*, min_photos: int | None = None) -> list[GalleryIndexRow]:
    """Every gallery that has its own index or is due one, largest first."""
    min_photos = settings.SEARCH_GALLERY_INDEX_MIN_PHOTOS if min_photos is None else min_photos
    counts = vectors.gallery_vector_counts(min_rows=max(1, min_photos // 2))
    existing = vectors.gallery_index_keys()
    keys = set(existing) | {key for key, rows in counts.items() if rows >= min_photos}
    models = EmbeddingModel.objects.in_bulk({model_id for model_id, _ in keys})
    owners = get_user_model().objects.in_bulk({owner_id for _, owner_id in keys})

    def state(key: tuple[int, int]) -> str:
        if key not in existing:
            return "due"
        return "built" if existing[key] else "building or failed"

    return [GalleryIndexRow(model=models[key[0]].key if key[0] in models else f"model {key[0]}",
                            owner=owners[key[1]].get_username() if key[1] in owners else f"user {key[1]} (deleted)",
                            photos=counts.get(key, 0), state=state(key))
            for key in sorted(keys, key=lambda key: -counts.get(key, 0))]
