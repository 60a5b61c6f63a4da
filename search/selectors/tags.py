"""Reads of tags: the gallery's tags, a photo's visible tags, and tags matching words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import Count, F, Prefetch, QuerySet

from gallery.models import Photo
from imagesearch.exceptions import NotFound
from search.models import PhotoEmbedding, PhotoTag
from search.selectors.embedding_models import active_model, trained_labels
from search.text import normalise_text

# A tag "matches" a query when its GloVe vector is at least this close (cosine).
TAG_MATCH_MIN_SIMILARITY = 0.6
TAG_FILTER_MAX_LENGTH = 40
VISIBLE_TAGS_ATTR = "visible_tags"
NOT_RECOGNISED_MESSAGE = "No automatic tags: the offline model doesn't recognise what is in this photo."


class TagNotFound(NotFound):
    """The photo has no (visible) tag of that name."""


@dataclass(frozen=True)
class GalleryTag:
    name: str
    photos: int
    sample: Photo | None = None


def visible_tags(*, owner):
    """The owner's shown tags on ready photos outside the trash (what the tag counts count)."""
    return PhotoTag.objects.filter(owner=owner, hidden=False, photo__status=Photo.Status.READY,
                                   photo__trashed_at__isnull=True)


def gallery_tags(*, owner, limit: int | None = None) -> list[GalleryTag]:
    """Every tag in the owner's gallery with its photo count and its best-scoring photo, most used first."""
    counts = list(visible_tags(owner=owner).values("name").annotate(photos=Count("photo_id"))
                  .order_by("-photos", "name")[:limit])
    names = [row["name"] for row in counts]
    samples = {tag.name: tag.photo for tag in visible_tags(owner=owner).filter(name__in=names)
               .select_related("photo").order_by("name", F("score").desc(nulls_first=True), "-photo_id")
               .distinct("name")}
    return [GalleryTag(name=row["name"], photos=row["photos"], sample=samples.get(row["name"])) for row in counts]


def visible_tags_prefetch() -> Prefetch:
    """For photo querysets whose tags will be shown (lists, search results): one query for all."""
    return Prefetch("tags", queryset=PhotoTag.objects.filter(hidden=False), to_attr=VISIBLE_TAGS_ATTR)


def photo_tags(*, photo: Photo) -> list[PhotoTag]:
    """A photo's visible tags: the owner's first, then automatic ones by probability."""
    tags = getattr(photo, VISIBLE_TAGS_ATTR, None)
    if tags is None:
        tags = list(PhotoTag.objects.filter(photo=photo, hidden=False))
    return sorted(tags, key=lambda tag: (tag.source != PhotoTag.Source.USER, -(tag.score or 0.0), tag.name))


def tag_filter_clean(text: str | None) -> str | None:
    """A tag filter as typed (a query parameter) to the stored form of a name, or None."""
    return normalise_text((text or "").replace("\x00", ""))[:TAG_FILTER_MAX_LENGTH] or None


def photos_with_tag(photos: QuerySet[Photo], *, name: str) -> QuerySet[Photo]:
    """The photos among `photos` that show the tag `name` (as typed)."""
    return photos.filter(tags__name=normalise_text(name), tags__hidden=False)


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


def no_tags_reason(*, photo: Photo) -> str:
    """Why a photo has no automatic tags, when the active model tagged it and found nothing it
    knows (the offline model tags only what it learnt); "" otherwise."""
    model = active_model()
    if model is None or trained_labels(model=model) is None:
        return ""
    tagged = PhotoEmbedding.objects.filter(photo=photo, model=model, tagged=True).exists()
    return NOT_RECOGNISED_MESSAGE if tagged else ""
