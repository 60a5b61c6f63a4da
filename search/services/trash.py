"""Writes of search data as photos go to the trash and come back. Their image vectors, tags and
tag vectors stay where they are, only marked (search.vectors leaves marked rows out of every search
and of the HNSW indexes), so a restore brings the same rows back without re-processing. Purging
deletes the photos; their search data goes with them (cascade)."""

from __future__ import annotations

from search import vectors


def search_data_trash(*, photo_ids: list[int]) -> None:
    """Take photos out of every search mode. Call inside the transaction that trashes them."""
    vectors.photos_trashed_set(photo_ids=photo_ids, trashed=True)


def search_data_restore(*, photo_ids: list[int]) -> None:
    """Bring restored photos back into search, as they were. Call inside the restoring transaction."""
    vectors.photos_trashed_set(photo_ids=photo_ids, trashed=False)
