"""Reads of near-duplicates: groups of the owner's photos whose vectors nearly coincide."""

from __future__ import annotations

import numpy as np
from django.conf import settings

from imagesearch.exceptions import ApplicationError
from search import vectors
from search.selectors.embedding_models import active_model
from search.selectors.photo_search import ScoredPhoto, photos_by_id

# Beyond this, "near-duplicates" stop being duplicates and the pair count explodes.
MAX_DUPLICATE_DISTANCE = 0.2
_BLOCK = 1024


def near_duplicate_groups(*, owner, max_distance: float | None = None) -> list[list[ScoredPhoto]]:
    """Groups of the owner's photos whose vectors lie within `max_distance` (cosine) of each other,
    largest groups first; within a group, the oldest photo comes first and scores are similarity
    to it. Linked pairs chain into one group (single linkage)."""
    max_distance = settings.NEAR_DUPLICATE_MAX_DISTANCE if max_distance is None else max_distance
    if not 0 <= max_distance <= MAX_DUPLICATE_DISTANCE:
        raise ApplicationError(f"max_distance must be between 0 and {MAX_DUPLICATE_DISTANCE}.", field="max_distance")
    model = active_model()
    if model is None:
        return []
    ids, matrix = vectors.owner_vectors(model=model, owner_id=owner.pk)
    groups_idx = linked_groups(matrix, min_similarity=1.0 - max_distance)
    groups_idx.sort(key=lambda group: (-len(group), ids[group[0]]))
    photos = photos_by_id(owner_id=owner.pk, ids=[int(ids[i]) for group in groups_idx for i in group])
    groups = []
    for group in groups_idx:
        anchor = matrix[group[0]]
        # A photo trashed or deleted since its vector was read is left out (and a group of one with it).
        members = [ScoredPhoto(photo=photos[int(ids[i])], score=float(matrix[i] @ anchor)) for i in group
                   if int(ids[i]) in photos]
        if len(members) > 1:
            groups.append(members)
    return groups


def linked_groups(matrix: np.ndarray, *, min_similarity: float) -> list[list[int]]:
    """Row indices of unit vectors chained by pairs at least `min_similarity` alike (single
    linkage, union-find), groups of two or more only, each sorted, in order of their first row."""
    parent = list(range(len(matrix)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for start in range(0, len(matrix), _BLOCK):
        similarities = matrix[start:start + _BLOCK] @ matrix.T
        rows, cols = np.nonzero(similarities >= min_similarity)
        for row, col in zip(rows + start, cols):
            if row < col:
                parent[root(row)] = root(col)
    members: dict[int, list[int]] = {}
    for index in range(len(matrix)):
        members.setdefault(root(index), []).append(index)
    return [group for group in members.values() if len(group) > 1]
