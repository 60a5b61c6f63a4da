"""Reads of the search app: every search feature, always within one user's gallery."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from django.conf import settings

from gallery import images
from gallery import selectors as gallery_selectors
from gallery.models import Photo
from imagesearch.exceptions import ApplicationError
from search import clip, queries, tag_selectors, vectors
from search.models import EmbeddingModel

MAX_QUERY_LENGTH = 200
MIN_REGION_PIXELS = 16
# Beyond this, "near-duplicates" stop being duplicates and the pair count explodes.
MAX_DUPLICATE_DISTANCE = 0.2
REGION_DECODE_SIZE = 2048
# Hybrid text search: each ranking contributes this many candidates to reciprocal rank fusion (so
# a text search pages through at most about this many photos), and a photo enters the tag ranking
# only if its tags are at least this close to the words.
HYBRID_DEPTH = 500
RRF_K = 60
TAG_RANKING_MIN_SIMILARITY = 0.6
TAG_RANKING_WEIGHT = 1.5
TEXT_MODES = ("hybrid", "clip", "tags")


@dataclass(frozen=True)
class ScoredPhoto:
    photo: Photo
    score: float
    matched_tags: tuple[tuple[str, float], ...] = ()  # text search: the photo's tags near the words


@dataclass(frozen=True)
class SearchOptions:
    limit: int = 30
    offset: int = 0
    min_score: float | None = None
    metric: str = "cosine"


@dataclass
class SearchResult:
    results: list[ScoredPhoto]
    options: SearchOptions
    model_key: str
    next_offset: int | None = None


def active_model_row() -> EmbeddingModel | None:
    """The database row of the active model, or None before anything was embedded with it."""
    return EmbeddingModel.objects.filter(key=clip.active_spec().key).first()


def photos_near(*, owner, query: np.ndarray, options: SearchOptions, exclude_photo_id: int | None = None,
                model: EmbeddingModel | None = None) -> SearchResult:
    """The owner's photos nearest to a query vector, best first, at or above `min_score`
    (`model`: the active model's row, when the caller already has it)."""
    model = model or active_model_row()
    _check_metric(options)
    if model is None:
        return SearchResult(results=[], options=options, model_key=clip.active_spec().key)
    matches = vectors.nearest(model=model, owner_id=owner.pk, query=query, limit=options.limit,
                              offset=options.offset, metric=options.metric, exclude_photo_id=exclude_photo_id)
    full_page = len(matches) == options.limit
    if options.min_score is not None:
        # Results are sorted best first, so the cutoff only trims the tail.
        kept = [match for match in matches if match.score >= options.min_score]
        full_page = full_page and len(kept) == len(matches)
        matches = kept
    photos = _photos_by_id(owner=owner, ids=[match.photo_id for match in matches])
    return SearchResult(
        results=[ScoredPhoto(photo=photos[m.photo_id], score=m.score) for m in matches if m.photo_id in photos],
        options=options,
        model_key=model.key,
        next_offset=options.offset + options.limit if full_page else None,
    )


def _check_metric(options: SearchOptions) -> None:
    if options.metric not in vectors.METRICS:
        raise ApplicationError(f"Unknown metric {options.metric!r}; choose one of: {', '.join(vectors.METRICS)}.",
                               field="metric")


def search_similar(*, owner, photo_id: int, options: SearchOptions) -> tuple[Photo, SearchResult]:
    """Photos like one of the owner's photos (the photo itself excluded)."""
    photo = gallery_selectors.photo_get(owner=owner, photo_id=photo_id)
    model = active_model_row()
    vector = model and vectors.photo_vector(model=model, photo_id=photo.pk, owner_id=owner.pk)
    if vector is None:
        raise ApplicationError(_not_searchable_reason(photo), field="photo_id")
    return photo, photos_near(owner=owner, query=vector, options=options, exclude_photo_id=photo.pk, model=model)


def search_text(*, owner, text: str, options: SearchOptions, mode: str = "hybrid") -> SearchResult:
    """Photos matching words: CLIP's text encoder (prompt ensemble) fused with the GloVe match of
    the photos' tags (reciprocal rank fusion). `mode` "clip" or "tags" uses one side alone.
    Words GloVe does not know leave CLIP alone, silently. Scores are always CLIP similarities."""
    if mode not in TEXT_MODES:
        raise ApplicationError(f"Unknown mode {mode!r}; choose one of: {', '.join(TEXT_MODES)}.", field="mode")
    text = clean_query(text)
    words = tag_selectors.word_query(text)
    if mode == "tags" and words.vector is None:
        return SearchResult(results=[], options=options, model_key=clip.active_spec().key)
    if mode == "clip" or words.vector is None:
        return _with_matched_tags(photos_near(owner=owner, query=queries.text_vector(text), options=options), words)
    model = active_model_row()
    if model is None:
        return SearchResult(results=[], options=options, model_key=clip.active_spec().key)
    _check_metric(options)
    # One fixed depth for every page of a query, so that pages neither repeat nor skip photos.
    depth = HYBRID_DEPTH
    tag_ranking = [m.photo_id for m in vectors.nearest_tagged_photos(owner_id=owner.pk, query=words.vector, limit=depth)
                   if mode == "tags" or m.score >= TAG_RANKING_MIN_SIMILARITY]
    clip_query = queries.text_vector(text)
    scores: dict[int, float] = {}
    rankings = [tag_ranking]
    if mode == "hybrid":
        clip_matches = vectors.nearest(model=model, owner_id=owner.pk, query=clip_query, limit=depth,
                                       metric=options.metric)
        scores = {match.photo_id: match.score for match in clip_matches}
        rankings.insert(0, [match.photo_id for match in clip_matches])
    fused = reciprocal_rank_fusion(rankings, weights=[1.0, TAG_RANKING_WEIGHT] if mode == "hybrid" else None)
    scores.update(vectors.clip_scores(model=model, owner_id=owner.pk, query=clip_query, metric=options.metric,
                                      photo_ids=[photo_id for photo_id in fused if photo_id not in scores]))
    # Photos without a vector for the active model (a re-index is running) wait for their turn.
    ranked = [photo_id for photo_id in fused if photo_id in scores
              and (options.min_score is None or scores[photo_id] >= options.min_score)]
    page = ranked[options.offset:options.offset + options.limit]
    photos = _photos_by_id(owner=owner, ids=page)
    more = len(ranked) > options.offset + options.limit
    result = SearchResult(results=[ScoredPhoto(photo=photos[i], score=scores[i]) for i in page if i in photos],
                          options=options, model_key=model.key,
                          next_offset=options.offset + options.limit if more and page else None)
    return _with_matched_tags(result, words)


def _photos_by_id(*, owner, ids: list[int]) -> dict[int, Photo]:
    return Photo.objects.filter(owner=owner).prefetch_related(tag_selectors.visible_tags_prefetch()).in_bulk(ids)


def reciprocal_rank_fusion(rankings: list[list[int]], *, k: int = RRF_K, weights: list[float] | None = None) -> list[int]:
    """Ids ordered by the (weighted) sum of 1 / (k + rank) over the rankings they appear in
    (Cormack et al. 2009)."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return sorted(fused, key=lambda item: -fused[item])


def _with_matched_tags(result: SearchResult, words: tag_selectors.WordQuery) -> SearchResult:
    if words.vector is None or not result.results:
        return result
    matched = tag_selectors.matched_tags(query=words.vector, photo_ids=[item.photo.pk for item in result.results])
    result.results = [ScoredPhoto(photo=item.photo, score=item.score, matched_tags=tuple(matched.get(item.photo.pk, ())))
                      for item in result.results]
    return result


def search_region(*, owner, photo_id: int, box, options: SearchOptions) -> tuple[Photo, SearchResult]:
    """Photos like a region of one of the owner's photos (the source photo stays in the results)."""
    photo = gallery_selectors.photo_get(owner=owner, photo_id=photo_id)
    try:
        with photo.original.open("rb") as handle:
            image = images.load_rgb(handle, max_pixels=settings.UPLOAD_MAX_PIXELS, fit_within=REGION_DECODE_SIZE)
    except (OSError, images.ImageRejected) as exc:
        raise ApplicationError(f"The photo's original could not be read: {exc}.") from exc
    crop = images.crop_normalised(image, clean_box(box, width=photo.width, height=photo.height))
    return photo, photos_near(owner=owner, query=queries.image_vector(crop), options=options)


def image_query_vector(*, file: BinaryIO, size: int, box=None) -> np.ndarray:
    """The query vector of an image that is not in the gallery (validated like an upload, never stored)."""
    if not size:
        raise ApplicationError("The file is empty.", field="file")
    if size > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(f"The file is larger than the {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB limit.",
                               field="file")
    try:
        image = images.load_rgb(file, max_pixels=settings.UPLOAD_MAX_PIXELS, fit_within=REGION_DECODE_SIZE)
    except images.ImageRejected as exc:
        raise ApplicationError(exc.message, field="file") from exc
    if box is not None:
        image = images.crop_normalised(image, clean_box(box, width=image.width, height=image.height))
    return queries.image_vector(image)


def search_image(*, owner, file: BinaryIO, size: int, box=None, options: SearchOptions) -> SearchResult:
    """Photos like an uploaded image, optionally cropped to a box first."""
    return photos_near(owner=owner, query=image_query_vector(file=file, size=size, box=box), options=options)


def query_vector_search(*, owner, vector: list[float], options: SearchOptions) -> SearchResult:
    """Continue an earlier image search from its stored query vector ("show more")."""
    return photos_near(owner=owner, query=np.asarray(vector, dtype=np.float32), options=options)


def clean_query(text: str | None) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ApplicationError("Type something to search for.", field="q")
    if len(text) > MAX_QUERY_LENGTH:
        raise ApplicationError(f"The search is too long ({len(text)} characters); at most {MAX_QUERY_LENGTH}.",
                               field="q")
    return text


def parse_box(text: str) -> list[str]:
    """ "x0,y0,x1,y1" (as in query strings and forms) to its parts; clean_box checks them."""
    return [part.strip() for part in text.strip().strip("[]").split(",")] if text.strip() else []


def clean_box(box, *, width: int, height: int) -> tuple[float, float, float, float]:
    """A normalised box [x0, y0, x1, y1] in 0..1, large enough to search by."""
    try:
        x0, y0, x1, y1 = (float(value) for value in box)
    except (TypeError, ValueError):
        raise ApplicationError("The box must be four numbers: x0, y0, x1, y1 (fractions of width and height).",
                               field="box") from None
    if not all(np.isfinite([x0, y0, x1, y1])) or min(x0, y0, x1, y1) < 0 or max(x0, y0, x1, y1) > 1:
        raise ApplicationError("The box must lie inside the photo: every value between 0 and 1.", field="box")
    if x1 <= x0 or y1 <= y0:
        raise ApplicationError("The box is empty: x1 must be greater than x0 and y1 greater than y0.", field="box")
    if (x1 - x0) * width < MIN_REGION_PIXELS or (y1 - y0) * height < MIN_REGION_PIXELS:
        raise ApplicationError(f"The region is too small to search; make it at least {MIN_REGION_PIXELS}×"
                               f"{MIN_REGION_PIXELS} pixels of the photo.", field="box")
    return x0, y0, x1, y1


def _not_searchable_reason(photo: Photo) -> str:
    if photo.status == Photo.Status.FAILED:
        return f"This photo could not be processed, so it can't be searched by: {photo.error}"
    if photo.status != Photo.Status.READY:
        return "This photo is still being processed; try again in a moment."
    return "This photo has no vector for the active model yet (a re-index is running); try again later."


def near_duplicate_groups(*, owner, max_distance: float | None = None) -> list[list[ScoredPhoto]]:
    """Groups of the owner's photos whose vectors lie within `max_distance` (cosine) of each other,
    largest groups first; within a group, the oldest photo comes first and scores are similarity
    to it. Linked pairs chain into one group (single linkage)."""
    max_distance = settings.NEAR_DUPLICATE_MAX_DISTANCE if max_distance is None else max_distance
    if not 0 <= max_distance <= MAX_DUPLICATE_DISTANCE:
        raise ApplicationError(f"max_distance must be between 0 and {MAX_DUPLICATE_DISTANCE}.", field="max_distance")
    model = active_model_row()
    if model is None:
        return []
    ids, matrix = vectors.owner_vectors(model=model, owner_id=owner.pk)
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    block = 1024
    for start in range(0, len(ids), block):
        similarities = matrix[start:start + block] @ matrix.T
        rows, cols = np.nonzero(similarities >= 1.0 - max_distance)
        for row, col in zip(rows + start, cols):
            if row < col:
                parent[root(row)] = root(col)
    members: dict[int, list[int]] = {}
    for index in range(len(ids)):
        members.setdefault(root(index), []).append(index)
    groups_idx = sorted((group for group in members.values() if len(group) > 1), key=lambda g: (-len(g), ids[g[0]]))
    photos = _photos_by_id(owner=owner, ids=[int(ids[i]) for group in groups_idx for i in group])
    groups = []
    for group in groups_idx:
        group = sorted(group, key=lambda i: ids[i])
        anchor = matrix[group[0]]
        groups.append([ScoredPhoto(photo=photos[int(ids[i])], score=float(matrix[i] @ anchor)) for i in group])
    return groups
