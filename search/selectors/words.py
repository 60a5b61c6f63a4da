"""Reads in GloVe space: query vectors of words, and words related to words."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from search import glove, vectors
from search.models import GLOVE_DIMENSIONS, Concept
from search.selectors.tags import TAG_MATCH_MIN_SIMILARITY
from search.vocabulary import KNOWN_SYNONYM_MIN_SIMILARITY

MAX_RELATED = 50
RELATED_TAGS_SHOWN = 8  # beside a text search's results (page and API)
WORD_CACHE_SIZE = 4096


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
    _label_vectors.cache_clear()


def words_known(*, text: str, words: WordQuery, labels: frozenset[str]) -> bool:
    """Whether a model that learnt `labels` knows the words: one of them, every word a word of
    its labels ("cat" of "persian cat"), or a close GloVe synonym of one
    (search.vocabulary.KNOWN_SYNONYM_MIN_SIMILARITY, as for its tags)."""
    if " ".join(text.lower().split()) in labels or " ".join(words.known + words.unknown) in labels:
        return True
    query_words = set(words.known + words.unknown)
    if query_words and query_words <= _label_words(labels):
        return True
    matrix = _label_vectors(labels)
    return (words.vector is not None and matrix.size > 0
            and float((matrix @ words.vector).max()) >= KNOWN_SYNONYM_MIN_SIMILARITY)


@functools.lru_cache(maxsize=4)
def _label_words(labels: frozenset[str]) -> frozenset[str]:
    return frozenset(word for label in labels for word in label.split())


@functools.lru_cache(maxsize=4)
def _label_vectors(labels: frozenset[str]) -> np.ndarray:
    rows = Concept.objects.filter(name__in=labels).values_list("glove", flat=True)
    return np.asarray([np.asarray(row, dtype=np.float32) for row in rows]).reshape(-1, GLOVE_DIMENSIONS)


def phrase_glove_vector(text: str) -> np.ndarray | None:
    """The mean GloVe direction of a phrase's words (None when GloVe knows none of them)."""
    words = glove.words_of(text)
    found = vectors.glove_vectors(words=words)
    return glove.mean_unit_vector(np.asarray([found[word] for word in words if word in found]))


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
