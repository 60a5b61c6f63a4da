"""Reads of photo search: every search mode, always within one user's gallery."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
from django.conf import settings

from gallery import images
from gallery.models import Photo
from imagesearch.exceptions import ApplicationError
from search import query_encoding, vectors
from search.filters import PhotoFilters
from search.inputs import clean_box, clean_query
from search.models import EmbeddingModel
from search.ranking import reciprocal_rank_fusion
from search.selectors import photo_text as text_selectors
from search.selectors import tags as tag_selectors
from search.selectors import words as word_selectors
from search.selectors.embedding_models import active_model, trained_labels
from search.selectors.filters import filtered_photos
from search.text import text_vector

REGION_DECODE_SIZE = 2048
# Hybrid text search: each ranking contributes this many candidates to reciprocal rank fusion (so
# a text search pages through at most about this many photos), and a photo enters the tag ranking
# only if its tags are at least this close to the words.
HYBRID_DEPTH = 500
TAG_RANKING_MIN_SIMILARITY = 0.6
TAG_RANKING_WEIGHT = 1.5
# The text read in photos: its ranking's weight in the fusion, chosen by measurement (`manage.py
# evaluate --text`, see README "Text in photos"): text that contains the words is strong evidence.
TEXT_RANKING_WEIGHT = 3.0
TEXT_MODES = ("hybrid", "clip", "tags", "text")
# Words the offline model never learnt, with no tag matching them either: only its best few guesses.
LOW_CONFIDENCE_SHOWN = 5
LOW_CONFIDENCE_MESSAGE = ("The offline model doesn't know “{text}”: it learnt about {labels} kinds of things (see "
                          "its model card) and no tag in your gallery matches, so these {count} are only its "
                          "closest guesses, with low scores. Full CLIP understands any words.")


@dataclass(frozen=True)
class ScoredPhoto:
    photo: Photo
    score: float
    matched_tags: tuple[tuple[str, float], ...] = ()  # text search: the photo's tags near the words
    matched_text: text_selectors.MatchedText | None = None  # text search: the text read that matched


@dataclass(frozen=True)
class SearchOptions:
    limit: int = 30
    offset: int = 0
    min_score: float | None = None
    metric: str = "cosine"
    filters: PhotoFilters = field(default_factory=PhotoFilters)  # every mode searches among these photos only


@dataclass
class SearchResult:
    results: list[ScoredPhoto]
    options: SearchOptions
    model_key: str
    next_offset: int | None = None
    low_confidence: bool = False  # text search: the model does not know the words and no tag matched
    message: str = ""


def _empty(options: SearchOptions) -> SearchResult:
    return SearchResult(results=[], options=options, model_key=query_encoding.active_model().key)


def photos_near(*, owner_id: int, query: np.ndarray, options: SearchOptions, exclude_photo_id: int | None = None,
                model: EmbeddingModel | None = None) -> SearchResult:
    """The owner's photos nearest to a query vector, best first, at or above `min_score`
    (`model`: the active model's row, when the caller already has it)."""
    model = model or active_model()
    _check_metric(options)
    if model is None:
        return _empty(options)
    matches = vectors.nearest(model=model, owner_id=owner_id, query=query, limit=options.limit,
                              offset=options.offset, metric=options.metric, exclude_photo_id=exclude_photo_id,
                              within=filtered_photos(owner_id=owner_id, filters=options.filters))
    full_page = len(matches) == options.limit
    if options.min_score is not None:
        # Results are sorted best first, so the cutoff only trims the tail.
        kept = [match for match in matches if match.score >= options.min_score]
        full_page = full_page and len(kept) == len(matches)
        matches = kept
    photos = photos_by_id(owner_id=owner_id, ids=[match.photo_id for match in matches])
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


def search_similar(*, photo: Photo, options: SearchOptions) -> SearchResult:
    """Photos like one of the owner's photos (the photo itself excluded)."""
    model = active_model()
    vector = model and vectors.photo_vector(model=model, photo_id=photo.pk, owner_id=photo.owner_id)
    if vector is None:
        raise ApplicationError(_not_searchable_reason(photo), field="photo_id")
    return photos_near(owner_id=photo.owner_id, query=vector, options=options, exclude_photo_id=photo.pk, model=model)


def search_text(*, owner, text: str, options: SearchOptions, mode: str = "hybrid",
                text_ranking_weight: float = TEXT_RANKING_WEIGHT) -> SearchResult:
    """Photos matching words: CLIP's text encoder (prompt ensemble) fused with the GloVe match of
    the photos' tags and the match of the text read in them (reciprocal rank fusion). `mode`
    "clip", "tags" or "text" uses one side alone. Words GloVe does not know leave the tag side out,
    silently. Scores are CLIP similarities, except in mode "text" (the text match's own score).
    Each result carries the tags and the text that matched."""
    if mode not in TEXT_MODES:
        raise ApplicationError(f"Unknown mode {mode!r}; choose one of: {', '.join(TEXT_MODES)}.", field="mode")
    text = clean_query(text)
    words = word_selectors.word_query(text)
    if mode == "tags" and words.vector is None:
        return _empty(options)
    if mode == "text":
        return _with_matches(_text_alone(owner=owner, text=text, options=options), words, text)
    text_ranking = ([m.photo_id for m in text_selectors.text_ranking(owner_id=owner.pk, text=text, limit=HYBRID_DEPTH)]
                    if mode == "hybrid" else [])
    if mode == "clip" or (words.vector is None and not text_ranking):
        result = _with_matches(photos_near(owner_id=owner.pk, query=text_vector(text), options=options), words, text)
        return _flag_low_confidence(result, text=text, words=words)
    model = active_model()
    if model is None:
        return _empty(options)
    _check_metric(options)
    # One fixed depth for every page of a query, so that pages neither repeat nor skip photos.
    depth = HYBRID_DEPTH
    within = filtered_photos(owner_id=owner.pk, filters=options.filters)
    rankings, ranking_weights = [], []
    scores: dict[int, float] = {}
    clip_query = text_vector(text)
    if mode == "hybrid":
        clip_matches = vectors.nearest(model=model, owner_id=owner.pk, query=clip_query, limit=depth,
                                       metric=options.metric, within=within)
        scores = {match.photo_id: match.score for match in clip_matches}
        rankings.append([match.photo_id for match in clip_matches])
        ranking_weights.append(1.0)
    tag_ranking = [] if words.vector is None else [
        m.photo_id for m in vectors.nearest_tagged_photos(owner_id=owner.pk, query=words.vector, limit=depth,
                                                          within=within)
        if mode == "tags" or m.score >= TAG_RANKING_MIN_SIMILARITY]
    if words.vector is not None:
        rankings.append(tag_ranking)
        ranking_weights.append(TAG_RANKING_WEIGHT)
    text_ranking = _passing(text_ranking, within=within)
    if text_ranking:
        rankings.append(text_ranking)
        ranking_weights.append(text_ranking_weight)
    fused = reciprocal_rank_fusion(rankings, weights=ranking_weights)
    scores.update(vectors.clip_scores(model=model, owner_id=owner.pk, query=clip_query, metric=options.metric,
                                      photo_ids=[photo_id for photo_id in fused if photo_id not in scores]))
    # Photos without a vector for the active model (a re-index is running) wait for their turn.
    ranked = [photo_id for photo_id in fused if photo_id in scores
              and (options.min_score is None or scores[photo_id] >= options.min_score)]
    result = _with_matches(_page(owner=owner, ranked=ranked, scores=scores, options=options, model_key=model.key),
                           words, text)
    return _flag_low_confidence(result, text=text, words=words, matched=bool(tag_ranking or text_ranking))


def _passing(photo_ids: list[int], *, within) -> list[int]:
    """The photos of a ranking that pass the filters (`within`: search.selectors.filters), in order."""
    if within is None or not photo_ids:
        return photo_ids
    kept = set(within.filter(pk__in=photo_ids).values_list("pk", flat=True))
    return [photo_id for photo_id in photo_ids if photo_id in kept]


def _text_alone(*, owner, text: str, options: SearchOptions) -> SearchResult:
    matches = text_selectors.text_ranking(owner_id=owner.pk, text=text, limit=HYBRID_DEPTH)
    kept = set(_passing([m.photo_id for m in matches], within=filtered_photos(owner_id=owner.pk,
                                                                               filters=options.filters)))
    matches = [m for m in matches if m.photo_id in kept]
    scores = {match.photo_id: match.score for match in matches}
    ranked = [match.photo_id for match in matches if options.min_score is None or match.score >= options.min_score]
    return _page(owner=owner, ranked=ranked, scores=scores, options=options, model_key=query_encoding.active_model().key)


def _page(*, owner, ranked: list[int], scores: dict[int, float], options: SearchOptions, model_key: str) -> SearchResult:
    page = ranked[options.offset:options.offset + options.limit]
    photos = photos_by_id(owner_id=owner.pk, ids=page)
    more = len(ranked) > options.offset + options.limit
    return SearchResult(results=[ScoredPhoto(photo=photos[i], score=scores[i]) for i in page if i in photos],
                        options=options, model_key=model_key,
                        next_offset=options.offset + options.limit if more and page else None)


def _flag_low_confidence(result: SearchResult, *, text: str, words: word_selectors.WordQuery,
                         matched: bool = False) -> SearchResult:
    """With a model that learnt a known set of labels (the offline model), words it doesn't know
    that no tag (and no text read in a photo) matches get its best few guesses only, marked as
    such, not a confident full page. `matched`: the tag or text ranking found photos for the
    words (on any page, not only this one). Nothing found (filters kept no photo) is no guess."""
    if not result.results and result.options.offset == 0:
        return result
    model = active_model()
    labels = model and trained_labels(model=model)
    if (matched or not labels or any(item.matched_tags or item.matched_text for item in result.results)
            or word_selectors.words_known(text=text, words=words, labels=labels)):
        return result
    shown = result.results[:LOW_CONFIDENCE_SHOWN] if result.options.offset == 0 else []
    result.results, result.next_offset, result.low_confidence = shown, None, True
    result.message = LOW_CONFIDENCE_MESSAGE.format(text=text, labels=len(labels), count=len(shown))
    return result


def photos_by_id(*, owner_id: int, ids: list[int]) -> dict[int, Photo]:
    """The owner's photos with these ids outside the trash, tags prefetched for display. (Trashed
    photos never reach here: search.vectors leaves them out; this keeps a race from showing one.)"""
    return Photo.objects.filter(owner_id=owner_id, trashed_at__isnull=True).prefetch_related(tag_selectors.visible_tags_prefetch()).in_bulk(ids)


def _with_matches(result: SearchResult, words: word_selectors.WordQuery, text: str) -> SearchResult:
    """The tags near the words and the text read that contains them, for each result."""
    if not result.results:
        return result
    ids = [item.photo.pk for item in result.results]
    tags = tag_selectors.matched_tags(query=words.vector, photo_ids=ids) if words.vector is not None else {}
    texts = text_selectors.matched_text(photo_ids=ids, text=text)
    result.results = [ScoredPhoto(photo=item.photo, score=item.score, matched_tags=tuple(tags.get(item.photo.pk, ())),
                                  matched_text=texts.get(item.photo.pk))
                      for item in result.results]
    return result


def search_region(*, photo: Photo, box, options: SearchOptions) -> SearchResult:
    """Photos like a region of one of the owner's photos (the source photo stays in the results)."""
    try:
        # The preview is the original at REGION_DECODE_SIZE already (and faster to decode).
        with photo.preview.open("rb") if photo.preview else photo.open_original() as handle:
            image = images.load_rgb(handle, max_pixels=settings.UPLOAD_MAX_PIXELS, fit_within=REGION_DECODE_SIZE)
    except (OSError, images.ImageRejected) as exc:
        raise ApplicationError(f"The photo's original could not be read: {exc}.") from exc
    crop = images.crop_normalised(image, clean_box(box, width=photo.width, height=photo.height))
    return photos_near(owner_id=photo.owner_id, query=_image_vector(crop), options=options)


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
    return _image_vector(image)


def _image_vector(image) -> np.ndarray:
    return query_encoding.encode_image(image, model_key=query_encoding.active_model().key)


def search_image(*, owner, file: BinaryIO, size: int, box=None, options: SearchOptions) -> SearchResult:
    """Photos like an uploaded image, optionally cropped to a box first."""
    return photos_near(owner_id=owner.pk, query=image_query_vector(file=file, size=size, box=box), options=options)


def query_vector_search(*, owner, vector: list[float], options: SearchOptions) -> SearchResult:
    """Continue an earlier image search from its stored query vector ("show more")."""
    return photos_near(owner_id=owner.pk, query=np.asarray(vector, dtype=np.float32), options=options)


def _not_searchable_reason(photo: Photo) -> str:
    if photo.status == Photo.Status.FAILED:
        return f"This photo could not be processed, so it can't be searched by: {photo.error}"
    if photo.status != Photo.Status.READY:
        return "This photo is still being processed; try again in a moment."
    return "This photo has no vector for the active model yet (a re-index is running); try again later."
