"""Reads for tags and words: gallery tags, GloVe query vectors, related words, matched tags."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import Count, F, Prefetch

from gallery.models import Photo
from search import glove, vectors
from search.models import PhotoTag

MAX_RELATED = 50
# A tag "matches" a query when its GloVe vector is at least this close (cosine).
TAG_MATCH_MIN_SIMILARITY = 0.6
WORD_CACHE_SIZE = 4096


@dataclass(frozen=True)
class GalleryTag:
    name: str
    photos: int
    sample: Photo | None = None


@dataclass(frozen=True)
class RelatedWord:
    word: str
    similarity: float
    photos: int | None = None  # in the owner's gallery, when restricted to it


@dataclass(frozen=True)
class WordQuery:
    """A query in GloVe space: the mean direction of the words GloVe knows."""

    vector: np.ndarray | None
    known: tuple[str, ...]
    unknown: tuple[str, ...]


def visible_tags(*, owner):
    return PhotoTag.objects.filter(owner=owner, hidden=False, photo__status=Photo.Status.READY)


def gallery_tags(*, owner, limit: int | None = None) -> list[GalleryTag]:
    """Every tag in the owner's gallery with its photo count and its best-scoring photo, most used first."""
    counts = list(visible_tags(owner=owner).values("name").annotate(photos=Count("photo_id"))
                  .order_by("-photos", "name")[:limit])
    names = [row["name"] for row in counts]
    samples = {tag.name: tag.photo for tag in visible_tags(owner=owner).filter(name__in=names)
               .select_related("photo").order_by("name", F("score").desc(nulls_first=True), "-photo_id")
               .distinct("name")}
    return [GalleryTag(name=row["name"], photos=row["photos"], sample=samples.get(row["name"])) for row in counts]


VISIBLE_TAGS_ATTR = "visible_tags"


def visible_tags_prefetch() -> Prefetch:
    """For photo querysets whose tags will be shown (lists, search results): one query for all."""
    return Prefetch("tags", queryset=PhotoTag.objects.filter(hidden=False), to_attr=VISIBLE_TAGS_ATTR)


def photo_tags(*, photo: Photo) -> list[PhotoTag]:
    """A photo's visible tags: the owner's first, then automatic ones by probability."""
    tags = getattr(photo, VISIBLE_TAGS_ATTR, None)
    if tags is None:
        tags = list(PhotoTag.objects.filter(photo=photo, hidden=False))
    return sorted(tags, key=lambda tag: (tag.source != PhotoTag.Source.USER, -(tag.score or 0.0), tag.name))


class _NoKnownWord(Exception):
    def __init__(self, query: WordQuery):
        self.query = query


def word_query(text: str) -> WordQuery:
    """A phrase's GloVe query vector (several words average, as in the original work)."""
    try:
        return _word_query_cached(" ".join(glove.words_of(text)))
    except _NoKnownWord as miss:  # not cached: the words may be loaded later
        return miss.query


@functools.lru_cache(maxsize=WORD_CACHE_SIZE)
def _word_query_cached(words_text: str) -> WordQuery:
    words = words_text.split()
    found = vectors.glove_vectors(words=words)
    known = tuple(word for word in words if word in found)
    vector = glove.mean_unit_vector(np.asarray([found[word] for word in known])) if known else None
    query = WordQuery(vector=vector, known=known, unknown=tuple(word for word in words if word not in found))
    if vector is None:
        raise _NoKnownWord(query)
    vector.setflags(write=False)
    return query


def word_query_cache_clear() -> None:
    _word_query_cached.cache_clear()


def related_words(*, word: str, limit: int = 10, owner=None) -> tuple[WordQuery, list[RelatedWord]]:
    """The GloVe words nearest to `word` (a word or short phrase); with `owner`, only tags in that
    owner's gallery that match it (TAG_MATCH_MIN_SIMILARITY), with their photo counts."""
    limit = max(1, min(int(limit), MAX_RELATED))
    query = word_query(word)
    if query.vector is None:
        return query, []
    exclude = list(query.known)
    if owner is not None:
        near = vectors.gallery_tags_near(owner_id=owner.pk, query=query.vector, limit=limit, exclude=exclude)
        # Every tag has some similarity; only the ones that match count as related.
        return query, [RelatedWord(word=name, similarity=round(sim, 4), photos=count) for name, count, sim in near
                       if sim >= TAG_MATCH_MIN_SIMILARITY]
    near = vectors.nearest_words(query=query.vector, limit=limit, exclude=exclude + sorted(glove.FUNCTION_WORDS),
                                 max_rank=settings.RELATED_WORDS_MAX_RANK)
    return query, [RelatedWord(word=name, similarity=round(sim, 4)) for name, sim in near]


def matched_tags(*, query: np.ndarray, photo_ids: list[int], limit: int = 3) -> dict[int, list[tuple[str, float]]]:
    """For each photo, its tags closest in meaning to a GloVe query (at least TAG_MATCH_MIN_SIMILARITY)."""
    matches: dict[int, list[tuple[str, float]]] = {}
    rows = PhotoTag.objects.filter(photo_id__in=photo_ids, hidden=False, glove__isnull=False).values_list(
        "photo_id", "name", "glove")
    for photo_id, name, vector in rows:
        vector = np.asarray(vector, dtype=np.float32)
        similarity = float(vector @ query / max(np.linalg.norm(vector), 1e-12))
        if similarity >= TAG_MATCH_MIN_SIMILARITY:
            matches.setdefault(photo_id, []).append((name, round(similarity, 4)))
    return {photo_id: sorted(found, key=lambda item: -item[1])[:limit] for photo_id, found in matches.items()}
