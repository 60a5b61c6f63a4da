"""Reads of text in photos: what is waiting to be read, progress, and matching words against
the text read (PostgreSQL full-text search and pg_trgm over the normalised forms of
search/text_match.py). Always within one user's gallery, trashed photos left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Greatest

from gallery.models import Photo
from search import text_match
from search.models import PhotoText

# A photo whose text is only this close to the words (pg_trgm word similarity, its default threshold) still
# matches (below it, a photo sharing one word of two came in: "metro monday" ~ "bridge metro" is 0.5):
# the recogniser misreads letters ("L1SBOA").
FUZZY_MIN_SIMILARITY = 0.6
SNIPPET_LINES = 2


def photos_awaiting_text(*, owner=None, reread_before: datetime | None = None) -> QuerySet[Photo]:
    """Ready photos outside the trash whose text has not been read (or was read before
    `reread_before`), oldest first."""
    read = PhotoText.objects.filter(photo=OuterRef("pk"))
    if reread_before is not None:
        read = read.filter(read_at__gte=reread_before)
    photos = Photo.objects.filter(status=Photo.Status.READY, trashed_at__isnull=True).filter(~Exists(read))
    if owner is not None:
        photos = photos.filter(owner=owner)
    return photos.order_by("id")


def photo_text_progress(*, owner) -> dict:
    """How far reading the user's photos has come: {"enabled", "read", "total", "waiting", "with_text"}."""
    ready = Photo.objects.filter(owner=owner, status=Photo.Status.READY, trashed_at__isnull=True)
    total = ready.count()
    texts = PhotoText.objects.filter(owner=owner, photo__status=Photo.Status.READY, photo__trashed_at__isnull=True)
    read = texts.count()
    return {"enabled": settings.OCR_ENABLED, "read": read, "total": total, "waiting": max(total - read, 0),
            "with_text": texts.filter(has_text=True).count()}


def photo_text_get(*, photo: Photo) -> PhotoText | None:
    return PhotoText.objects.filter(photo=photo).first()


def photo_ids_with_text(*, owner_id: int) -> QuerySet:
    """The ids of the owner's photos in which text was found (for a "has text" filter)."""
    return PhotoText.objects.filter(owner_id=owner_id, has_text=True).values("photo_id")


@dataclass(frozen=True)
class TextMatch:
    photo_id: int
    score: float


def text_query(text: str) -> SearchQuery | None:
    """Every word of `text` as a prefix (partial words match): 'lisb rec' -> 'lisb:* & rec:*'."""
    words = text_match.query_words(text)
    if not words:
        return None
    return SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="simple")


def text_ranking(*, owner_id: int, text: str, limit: int) -> list[TextMatch]:
    """The owner's photos whose text matches the words, best first.

    A photo matches when every word occurs in its text with the spaces dropped (so "parking level"
    finds "PARKINGLEVEL3B" and "lisb" finds "Lisboa"), or its full-text vector matches every word
    as a prefix, or the words are close to its text by trigram word similarity (misread letters).
    Score: the whole phrase found (2) + every word found (1) + word similarity + full-text rank.
    """
    words = text_match.query_words(text)
    if not words:
        return []
    phrase = "".join(words)
    normalised = " ".join(words)
    every_word = Q()
    for word in words:
        every_word &= Q(compact__contains=word)
    query = text_query(text)
    rows = (
        PhotoText.objects.filter(owner_id=owner_id, has_text=True, photo__trashed_at__isnull=True)
        .annotate(similarity=TrigramWordSimilarity(Value(normalised), "normalised"))
        .filter(every_word | Q(search_vector=query) | Q(similarity__gte=FUZZY_MIN_SIMILARITY))
        .annotate(score=(
            Case(When(compact__contains=phrase, then=Value(2.0)), default=Value(0.0), output_field=FloatField())
            + Case(When(every_word, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
            + F("similarity")
            + Greatest(SearchRank(F("search_vector"), query), Value(0.0))
        ))
        .order_by("-score", "photo_id")
        .values_list("photo_id", "score")[:limit]
    )
    return [TextMatch(photo_id=photo_id, score=float(score)) for photo_id, score in rows]


@dataclass(frozen=True)
class MatchedText:
    snippet: str  # the lines that matched, joined by " · "
    highlights: tuple[tuple[int, int], ...]  # [start, end) ranges of `snippet` that match the words


def matched_text(*, photo_ids: list[int], text: str) -> dict[int, MatchedText]:
    """For each photo with text, the lines that contain the words (highlighted); photos that
    matched only loosely show their first lines, without highlights."""
    found = {}
    for photo_id, lines in PhotoText.objects.filter(photo_id__in=photo_ids, has_text=True).values_list("photo_id", "lines"):
        texts = [line["text"] for line in lines]
        spans = [(line, text_match.highlight_spans(line, text)) for line in texts]
        chosen = [(line, hits) for line, hits in spans if hits][:SNIPPET_LINES] or [(line, []) for line in texts[:SNIPPET_LINES]]
        if not chosen:
            continue
        snippet, highlights, offset = [], [], 0
        for line, hits in chosen:
            highlights.extend((offset + start, offset + end) for start, end in hits)
            snippet.append(line)
            offset += len(line) + len(" · ")
        found[photo_id] = MatchedText(snippet=" · ".join(snippet), highlights=tuple(highlights))
    return found
