"""Combined searches: a photo or an uploaded image plus words ("this photo, but at night"), words
minus words ("beach -people"), and "more like these" for several photos. Each builds one query
vector with search/combine.py and searches with photo_search.photos_near, so paging is as stable
as any vector search (the same vector for every page); each result says what it combined."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gallery.models import Photo
from imagesearch.exceptions import ApplicationError, NotFound
from search import combine, vectors
from search.inputs import clean_query
from search.selectors import photo_search
from search.selectors.embedding_models import active_model
from search.selectors.photo_search import SearchOptions, SearchResult
from search.text import text_vector

MAX_LIKE_PHOTOS = 50
MAX_WITHOUT_WORDS = 5
# "-word" or -"two words" at the start of the text or after a space (a hyphen inside a word stays).
NEGATIVE_TERM = re.compile(r'(?:^|\s)-(?:"([^"]+)"|(\S+))')


@dataclass(frozen=True)
class Combination:
    """What a combined search combined, for the line above its results."""

    photos: tuple[Photo, ...] = ()  # the photos searched by (one, or several: "more like these")
    image_name: str = ""  # an uploaded image searched by
    words: str = ""  # added to the image, or (without an image) the words searched for
    words_weight: float | None = None
    without: tuple[str, ...] = ()
    without_weight: float | None = None

    @property
    def description(self) -> str:
        if len(self.photos) > 1:
            base = f"Like these {len(self.photos)} photos"
        elif self.photos or self.image_name:
            base = f"Like {self.photos[0].original_name if self.photos else self.image_name}"
        else:
            return f"{self.words}, without {_joined(self.without)}"
        return f"{base} + “{self.words}”" if self.words else base


@dataclass
class CombinedResult(SearchResult):
    combination: Combination | None = None


def _joined(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else "".join(words)


def split_without(text: str) -> tuple[str, list[str]]:
    """'beach -people -"red car"' -> ('beach', ['people', 'red car']). (The search-box syntax
    parser hands negative terms over already split; this serves text typed without it.)"""
    removed = [quoted or bare for quoted, bare in NEGATIVE_TERM.findall(text)]
    return " ".join(NEGATIVE_TERM.sub(" ", text).split()), [" ".join(word.split()) for word in removed if word.strip()]


def photos_of_user(*, owner, ids: Sequence[int]) -> list[Photo]:
    """The user's photos (outside the trash) with these ids, in the order given, for an API or page
    to pass on; NotFound naming any that are not theirs (another user's photo is not found too)."""
    photos = Photo.objects.filter(owner=owner, trashed_at__isnull=True).in_bulk(list(dict.fromkeys(ids)))
    missing = [photo_id for photo_id in dict.fromkeys(ids) if photo_id not in photos]
    if missing:
        raise NotFound(f"Photo{'s' if len(missing) > 1 else ''} not found: {', '.join(map(str, missing))}.")
    return [photos[photo_id] for photo_id in dict.fromkeys(ids)]


def _clean_weight(weight: float, *, field: str) -> float:
    if not (combine.MIN_WEIGHT <= weight <= combine.MAX_WEIGHT):
        raise ApplicationError(f"The weight must be between {combine.MIN_WEIGHT:g} and {combine.MAX_WEIGHT:g}.",
                               field=field)
    return float(weight)


def _words_vector(words: str, *, field: str = "q") -> tuple[str, np.ndarray]:
    try:
        words = clean_query(words)
    except ApplicationError as exc:
        raise ApplicationError(exc.message, field=field) from exc
    return words, text_vector(words)


def _photo_vector(model, photo: Photo) -> np.ndarray:
    vector = model and vectors.photo_vector(model=model, photo_id=photo.pk, owner_id=photo.owner_id)
    if vector is not None:
        return vector
    if photo.status == Photo.Status.FAILED:
        reason = f"could not be processed, so it can't be searched by ({photo.error})"
    elif photo.status != Photo.Status.READY:
        reason = "is still being processed; try again in a moment"
    else:
        reason = "has no vector for the active model yet (a re-index is running); try again later"
    raise ApplicationError(f"{photo.original_name} {reason}.", field="photo_ids")


def _search(*, owner_id: int, query: np.ndarray, options: SearchOptions, combination: Combination,
            exclude: Sequence[int] = (), model=None) -> CombinedResult:
    """photos_near, leaving out `exclude` (the photos searched by). Several are left out by
    searching one page deeper per left-out photo from the top and slicing, so pages stay stable."""
    if len(exclude) <= 1:
        result = photo_search.photos_near(owner_id=owner_id, query=query, options=options, model=model,
                                          exclude_photo_id=exclude[0] if exclude else None)
    else:
        end = options.offset + options.limit
        # One more than the page needs, so that "is there more" is known, not guessed.
        window = photo_search.photos_near(owner_id=owner_id, query=query, model=model,
                                          options=dataclasses.replace(options, offset=0, limit=end + len(exclude) + 1))
        kept = [item for item in window.results if item.photo.pk not in set(exclude)]
        result = SearchResult(results=kept[options.offset:end], options=options, model_key=window.model_key,
                              next_offset=end if len(kept) > end else None)
    return CombinedResult(results=result.results, options=options, model_key=result.model_key,
                          next_offset=result.next_offset, combination=combination)


def search_similar_with_words(*, photo: Photo, words: str, options: SearchOptions,
                              weight: float = combine.WORDS_WEIGHT) -> CombinedResult:
    """Photos like one of the owner's photos, moved toward words ("this photo, but at night")."""
    words, _ = _words_vector(words)  # required here (checked before the photo's state)
    return search_like_photos(photos=[photo], words=words, options=options, weight=weight)


def search_like_photos(*, photos: Sequence[Photo], options: SearchOptions, words: str = "",
                       weight: float = combine.WORDS_WEIGHT) -> CombinedResult:
    """Photos like several of one owner's photos together (the centre of their vectors), optionally
    moved toward words; the photos themselves are left out of the results."""
    photos = list({photo.pk: photo for photo in photos}.values())
    if not photos:
        raise ApplicationError("Choose at least one photo.", field="photo_ids")
    if len(photos) > MAX_LIKE_PHOTOS:
        raise ApplicationError(f"Too many photos ({len(photos)}); choose at most {MAX_LIKE_PHOTOS}.", field="photo_ids")
    if len({photo.owner_id for photo in photos}) > 1:
        raise ValueError("photos of several owners")  # callers fetch them for one user
    weight = _clean_weight(weight, field="weight")
    model = active_model()
    query = combine.centroid([_photo_vector(model, photo) for photo in photos])
    combination = Combination(photos=tuple(photos))
    if words.strip():
        words, words_query = _words_vector(words)
        query = combine.with_words(query, words_query, weight=weight)
        combination = dataclasses.replace(combination, words=words, words_weight=weight)
    return _search(owner_id=photos[0].owner_id, query=query, options=options, combination=combination,
                   exclude=[photo.pk for photo in photos], model=model)


def search_image_with_words(*, owner, image_vector: Sequence[float] | np.ndarray, image_name: str, words: str,
                            options: SearchOptions, weight: float = combine.WORDS_WEIGHT) -> CombinedResult:
    """Photos like an uploaded image (its query vector), moved toward words."""
    weight = _clean_weight(weight, field="weight")
    words, words_query = _words_vector(words)
    query = combine.with_words(np.asarray(image_vector, dtype=np.float32), words_query, weight=weight)
    return _search(owner_id=owner.pk, query=query, options=options,
                   combination=Combination(image_name=image_name, words=words, words_weight=weight))


def search_words_without(*, owner, text: str, options: SearchOptions, without: Sequence[str] = (),
                         weight: float = combine.WITHOUT_WEIGHT, mode: str = "hybrid") -> SearchResult:
    """Words minus words ("beach" without "people"): the CLIP vector of the words moved away from
    each unwanted word's. `-word` terms in `text` count as `without` too. With nothing to leave
    out this is the ordinary word search (`mode` as there); with something it is CLIP alone (the
    tag ranking has no "minus")."""
    text, typed = split_without(text)
    removed = list(dict.fromkeys([*typed, *(" ".join(word.split()) for word in without if word.strip())]))
    if not removed:
        return photo_search.search_text(owner=owner, text=text, options=options, mode=mode)
    if mode == "tags":
        raise ApplicationError("Leaving words out needs CLIP: use mode hybrid or clip.", field="mode")
    if len(removed) > MAX_WITHOUT_WORDS:
        raise ApplicationError(f"Too many words to leave out ({len(removed)}); at most {MAX_WITHOUT_WORDS}.",
                               field="without")
    if not text:
        raise ApplicationError("Type what to search for, not only what to leave out.", field="q")
    weight = _clean_weight(weight, field="without_weight")
    text, query = _words_vector(text)
    removed_vectors = [_words_vector(word, field="without")[1] for word in removed]
    try:
        query = combine.without(query, removed_vectors, weight=weight)
    except combine.CancelledOut:
        raise ApplicationError("The words to leave out cancel the search out; leave out less.",
                               field="without") from None
    return _search(owner_id=owner.pk, query=query, options=options,
                   combination=Combination(words=text, without=tuple(removed), without_weight=weight))
