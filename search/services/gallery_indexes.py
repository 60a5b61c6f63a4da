"""Writes of the galleries' own HNSW indexes.

A gallery of SEARCH_GALLERY_INDEX_MIN_PHOTOS photos or more gets a partial HNSW index of its own
(on model and owner; search.vectors.gallery_index_build), which its searches walk instead of the
model's shared one: there its photos are a share of the graph, other galleries' photos crowd the
candidate list, and recall or speed suffer (1M vectors: a 300,000-photo gallery needed a 4x wider
list for recall 0.998, README "Speed"). Smaller galleries stay in the shared index, where they
cost nothing extra. The sync is derived from the data (the galleries' sizes and the indexes that
exist), so it can stop anywhere and run again; one runs at a time (an advisory lock).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from imagesearch.db import advisory_lock
from search import vectors
from search.models import EmbeddingModel

logger = logging.getLogger(__name__)

GALLERY_INDEXES_LOCK_ID = 7_201_004  # one sync at a time across processes


@dataclass
class GalleryIndexSync:
    """What one sync did: (model id, owner id) of the indexes built and dropped, and of those
    still to build when it stopped at its budget (the next sync goes on)."""

    built: list[tuple[int, int]] = field(default_factory=list)
    dropped: list[tuple[int, int]] = field(default_factory=list)
    remaining: list[tuple[int, int]] = field(default_factory=list)
    kept: int = 0


def gallery_indexes_sync(*, min_photos: int | None = None, budget_seconds: float | None = None,
                         progress: Callable[[str], None] | None = None) -> GalleryIndexSync | None:
    """Give every gallery of at least `min_photos` vectors of a model (SEARCH_GALLERY_INDEX_MIN_PHOTOS)
    its own index, largest first, and drop the indexes of galleries that shrank below half of it
    (the margin keeps a gallery near the line from being built and dropped in turn) or are gone.
    With a budget it starts no new build after `budget_seconds`. None when another sync runs."""
    min_photos = settings.SEARCH_GALLERY_INDEX_MIN_PHOTOS if min_photos is None else min_photos
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    report = progress or (lambda message: None)
    with advisory_lock(GALLERY_INDEXES_LOCK_ID) as acquired:
        if not acquired:
            return None
        counts = vectors.gallery_vector_counts(min_rows=max(1, min_photos // 2))
        existing = vectors.gallery_index_keys()
        done = GalleryIndexSync()
        for key in sorted(set(existing) - set(counts)):
            vectors.gallery_index_drop(model_id=key[0], owner_id=key[1])
            done.dropped.append(key)
            report(f"dropped the index of user {key[1]}'s gallery (model {key[0]}): fewer than {min_photos // 2:,} photos")
        wanted = sorted((key for key, rows in counts.items() if rows >= min_photos and not existing.get(key)),
                        key=lambda key: -counts[key])
        done.kept = sum(1 for key, valid in existing.items() if valid and key in counts)
        models = EmbeddingModel.objects.in_bulk({model_id for model_id, _ in wanted})
        for number, key in enumerate(wanted):
            if deadline is not None and time.monotonic() >= deadline:
                done.remaining = wanted[number:]
                break
            started = time.monotonic()
            report(f"building the index of user {key[1]}'s gallery (model {key[0]}, {counts[key]:,} photos), "
                   f"{number + 1} of {len(wanted)}…")
            vectors.gallery_index_build(model=models[key[0]], owner_id=key[1])
            done.built.append(key)
            report(f"built in {time.monotonic() - started:.0f} s")
            logger.info("built the HNSW index of gallery %s (model %s, %s photos) in %.0f s", key[1], key[0],
                        counts[key], time.monotonic() - started)
        return done
