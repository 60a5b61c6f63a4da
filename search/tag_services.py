"""Writes for tags and words: the vocabulary, automatic tags, the owner's tag edits, tag vectors."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from imagesearch.exceptions import ApplicationError, NotFound
from search import clip, glove, queries, vectors, vocabulary, zero_shot
from gallery.models import Photo
from search.models import TAG_NAME_MAX_LENGTH, Concept, ConceptEmbedding, EmbeddingModel, GloveWord, PhotoEmbedding, PhotoTag

logger = logging.getLogger(__name__)

# Tags the owner added count fully in the photo's tag vector; automatic ones by their probability.
USER_TAG_WEIGHT = 1.0
MAX_TAGS_PER_PHOTO = 50
TAG_MAX_WORDS = 4
_TAG_NAME = re.compile(r"[^\W_]+(?:[ '\-][^\W_]+)*")
CONCEPT_BATCH = 128
GLOVE_WORDS = 400_000


@dataclass
class VocabularyReport:
    glove_words: int
    glove_loaded: bool
    concepts: int
    skipped: list[str]
    embedded: int
    model_key: str | None


VOCABULARY_LOCK_ID = 7_201_002  # one vocabulary build at a time across processes


def vocabulary_missing() -> bool:
    """Whether `vocabulary_build` has work to do (a fresh database)."""
    return not Concept.objects.exists() or GloveWord.objects.count() < GLOVE_WORDS


def vocabulary_build(*, reload_words: bool = False, embed: bool = True,
                     progress: Callable[[str], None] = lambda message: None) -> VocabularyReport | None:
    """Load GloVe's words (once, or again with `reload_words`), sync the concepts with the data
    file, and compute the concepts' CLIP text vectors for the active model. None when another
    process is building it."""
    from search.services import advisory_lock

    with advisory_lock(VOCABULARY_LOCK_ID) as acquired:
        if not acquired:
            progress("another process is building the vocabulary")
            return None
        return _vocabulary_build(reload_words=reload_words, embed=embed, progress=progress)


def _vocabulary_build(*, reload_words: bool, embed: bool, progress: Callable[[str], None]) -> VocabularyReport:
    words, matrix = glove.load_packaged()
    loaded = reload_words or GloveWord.objects.count() != len(words)
    if loaded:
        progress(f"loading {len(words):,} GloVe words and building their HNSW index…")
        vectors.glove_words_replace(words=words, matrix=matrix)
    index = {word: row for row, word in enumerate(words)}
    entries, skipped = [], []
    for entry in vocabulary.load():
        vector = _packaged_phrase_vector(entry.name, index=index, matrix=matrix)
        if vector is None:
            skipped.append(entry.name)
        else:
            entries.append(Concept(name=entry.name, category=entry.category, glove=vector))
    with transaction.atomic():
        Concept.objects.bulk_create(entries, update_conflicts=True, unique_fields=["name"],
                                    update_fields=["category", "glove"])
        Concept.objects.exclude(name__in=[concept.name for concept in entries]).delete()
    progress(f"{len(entries):,} concepts in the vocabulary" + (f" ({len(skipped)} skipped)" if skipped else ""))
    _word_cache_clear()
    _tags_without_glove_fill(index=index, matrix=matrix)
    embedded, model_key = 0, None
    if embed:
        model = _active_model()
        embedded, model_key = concept_embeddings_ensure(model=model), model.key
        progress(f"{embedded:,} concept vectors computed for {model.key}")
    return VocabularyReport(glove_words=len(words), glove_loaded=loaded, concepts=len(entries), skipped=skipped,
                            embedded=embedded, model_key=model_key)


def _packaged_phrase_vector(text: str, *, index: dict[str, int], matrix: np.ndarray) -> np.ndarray | None:
    known = [index[word] for word in glove.words_of(text) if word in index]
    return glove.mean_unit_vector(matrix[known]) if known else None


def _tags_without_glove_fill(*, index: dict[str, int], matrix: np.ndarray) -> None:
    """Tags added while GloVe was not loaded yet get their vectors, and their photos new tag vectors."""
    names = set(PhotoTag.objects.filter(glove__isnull=True).values_list("name", flat=True).distinct())
    photo_ids: set[int] = set()
    for name in names:
        vector = _packaged_phrase_vector(name, index=index, matrix=matrix)
        if vector is not None:
            tags = PhotoTag.objects.filter(glove__isnull=True, name=name)
            photo_ids |= set(tags.values_list("photo_id", flat=True))
            tags.update(glove=vector)
    if photo_ids:
        tag_vectors_update(photo_ids=sorted(photo_ids))


def _word_cache_clear() -> None:
    from search.tag_selectors import word_query_cache_clear

    word_query_cache_clear()


def _active_model() -> EmbeddingModel:
    from search.services import active_embedding_model

    return active_embedding_model()


def concept_embeddings_ensure(*, model: EmbeddingModel) -> int:
    """Compute the CLIP text vectors of concepts that lack one for `model` (the loaded model)."""
    missing = list(Concept.objects.exclude(embeddings__model=model).order_by("id"))
    for start in range(0, len(missing), CONCEPT_BATCH):
        chunk = missing[start:start + CONCEPT_BATCH]
        prompts = [template.format(c.name) for c in chunk for template in queries.PROMPT_TEMPLATES]
        encoded = clip.encode_texts(prompts).reshape(len(chunk), len(queries.PROMPT_TEMPLATES), -1).mean(axis=1)
        encoded /= np.maximum(np.linalg.norm(encoded, axis=1, keepdims=True), 1e-12)
        ConceptEmbedding.objects.bulk_create(
            [ConceptEmbedding(concept=concept, model=model, embedding=vector) for concept, vector in zip(chunk, encoded)],
            ignore_conflicts=True)
    return len(missing)


_vocabulary_cache: dict[int, tuple[tuple, zero_shot.Vocabulary]] = {}
_vocabulary_lock = threading.Lock()


def tagging_vocabulary(*, model: EmbeddingModel, compute: bool = True) -> zero_shot.Vocabulary | None:
    """The model's concept matrix (cached per process until the vocabulary changes), computing
    missing concept vectors first; None before `build_vocabulary` has run, or when vectors are
    missing and `compute` is off (inside a transaction: encoding thousands of prompts there would
    hold its locks for a long time)."""
    version = tuple(Concept.objects.aggregate(n=Count("id"), last=Max("id")).values())
    if not version[0]:
        return None
    cached = _vocabulary_cache.get(model.pk)
    if cached and cached[0] == version:
        return cached[1]
    if not compute and ConceptEmbedding.objects.filter(model=model).count() < version[0]:
        return None
    with _vocabulary_lock:
        concept_embeddings_ensure(model=model)
        rows = list(ConceptEmbedding.objects.filter(model=model).order_by("concept_id")
                    .values_list("concept_id", "concept__name", "embedding", "concept__glove"))
        ids, names, clip_rows, glove_rows = zip(*rows)
        built = zero_shot.Vocabulary(concept_ids=np.asarray(ids), names=tuple(names),
                                     clip=np.asarray([np.asarray(r, dtype=np.float32) for r in clip_rows]),
                                     glove=np.asarray([np.asarray(r, dtype=np.float32) for r in glove_rows]))
        _vocabulary_cache[model.pk] = (version, built)
        return built


# The shipped offline model's calibration, from `manage.py calibrate_tags ../shared/datasets/tiny_imagenet_val`
# (the best balance of hit rate and tag precision there; Caltech-101, where quality is reported, was not used):
# (minimum probability, share of the photo's best probability).
BUILT_IN_CALIBRATION = {clip.OFFLINE_ARCHITECTURE: (0.02, 0.1)}


def tag_thresholds(*, model: EmbeddingModel) -> tuple[float, float]:
    """(minimum probability, relative floor): the operator's calibration for these weights, else
    the shipped one, else the settings."""
    default = BUILT_IN_CALIBRATION.get(model.architecture, (settings.TAG_MIN_PROBABILITY, settings.TAG_RELATIVE_FLOOR))
    return (default[0] if model.tag_threshold is None else model.tag_threshold,
            default[1] if model.tag_relative_floor is None else model.tag_relative_floor)


def photos_tag(*, model: EmbeddingModel, rows: list[tuple[int, int, np.ndarray]]) -> bool:
    """Replace the automatic tags of photos from their image vectors; rows are (photo_id, owner_id,
    vector). The owner's own tags and removals stay. False when there is no vocabulary yet."""
    if not rows:
        return True
    vocab = tagging_vocabulary(model=model, compute=False)
    if vocab is None:
        return False
    probs = zero_shot.probabilities(np.stack([vector for _, _, vector in rows]), vocab,
                                    logit_scale=clip.get_model().logit_scale)
    threshold, relative = tag_thresholds(model=model)
    chosen = zero_shot.best_tags(probs, threshold=threshold, relative=relative, max_tags=settings.TAG_MAX_PER_PHOTO)
    with transaction.atomic():
        # Photos deleted since their vectors were read are skipped (their tags would fail the commit).
        alive = set(Photo.objects.select_for_update().filter(pk__in=[row[0] for row in rows])
                    .values_list("pk", flat=True))
        rows, chosen = zip(*[(row, tags) for row, tags in zip(rows, chosen) if row[0] in alive]) if alive else ((), ())
        photo_ids = [photo_id for photo_id, _, _ in rows]
        PhotoTag.objects.filter(photo_id__in=photo_ids, source=PhotoTag.Source.AUTO, hidden=False).delete()
        # Conflicts are the owner's own tags and removed tags of the same name: those win.
        PhotoTag.objects.bulk_create([
            PhotoTag(photo_id=photo_id, owner_id=owner_id, name=vocab.names[column], source=PhotoTag.Source.AUTO,
                     score=round(probability, 4), glove=vocab.glove[column])
            for (photo_id, owner_id, _), tags in zip(rows, chosen) for column, probability in tags
        ], ignore_conflicts=True)
        tag_vectors_update(photo_ids=photo_ids)
        PhotoEmbedding.objects.filter(model=model, photo_id__in=list(alive)).update(tagged=True)
    return True


BACKFILL_LOCK_ID = 7_201_003  # one backfill at a time across processes


def tags_backfill(*, batch_size: int = 256, limit: int | None = None, wait: bool = False) -> int:
    """Tag photos whose vector for the active model has not been tagged yet (photos embedded
    before the vocabulary existed, or re-embedded by a re-index). Returns how many were tagged
    (0 when another process is backfilling, unless `wait`: then it waits its turn)."""
    from search.services import advisory_lock

    with advisory_lock(BACKFILL_LOCK_ID, wait=wait) as acquired:
        if not acquired:
            return 0
        model = _active_model()
        if tagging_vocabulary(model=model) is None:
            return 0
        return _tags_backfill(model=model, batch_size=batch_size, limit=limit)


def _tags_backfill(*, model: EmbeddingModel, batch_size: int, limit: int | None) -> int:
    done = 0
    while limit is None or done < limit:
        batch = list(PhotoEmbedding.objects.filter(model=model, tagged=False).order_by("photo_id")
                     .values_list("photo_id", "owner_id", "embedding")[:batch_size])
        if not batch or not photos_tag(model=model, rows=[(p, o, np.asarray(v, dtype=np.float32)) for p, o, v in batch]):
            break
        done += len(batch)
    return done


def tags_mark_stale() -> int:
    """Have every photo's automatic tags recomputed by the next backfill."""
    return PhotoEmbedding.objects.filter(model=_active_model(), tagged=True).update(tagged=False)


def tag_vectors_update(*, photo_ids: list[int]) -> None:
    """Recompute photos' GloVe tag vectors from their visible tags."""
    weighted: dict[int, tuple[int, list[np.ndarray]]] = {}
    owners = dict(PhotoTag.objects.filter(photo_id__in=photo_ids).values_list("photo_id", "owner_id").distinct())
    rows = PhotoTag.objects.filter(photo_id__in=photo_ids, hidden=False, glove__isnull=False).values_list(
        "photo_id", "source", "score", "glove")
    for photo_id, source, score, vector in rows:
        weight = USER_TAG_WEIGHT if source == PhotoTag.Source.USER else (score or 0.0)
        unit = np.asarray(vector, dtype=np.float32)
        weighted.setdefault(photo_id, (owners[photo_id], []))[1].append(weight * unit / max(np.linalg.norm(unit), 1e-12))
    result = []
    for photo_id in photo_ids:
        owner_id, parts = weighted.get(photo_id, (owners.get(photo_id), []))
        total = np.sum(parts, axis=0) if parts else None
        norm = float(np.linalg.norm(total)) if total is not None else 0.0
        result.append((photo_id, owner_id, total / norm if norm > 1e-9 else None))
    vectors.tag_vectors_store(rows=result)


# --- The owner's edits --------------------------------------------------------------------------

def clean_tag_name(name) -> str:
    """A tag as typed to its stored form (lowercase, single spaces), or a clear error."""
    text = queries.normalise_text(str(name or ""))
    if not text:
        raise ApplicationError("Type a tag: a word or a short phrase.", field="name")
    if len(text) > TAG_NAME_MAX_LENGTH:
        raise ApplicationError(f"A tag can be at most {TAG_NAME_MAX_LENGTH} characters ({len(text)} given).",
                               field="name")
    if not _TAG_NAME.fullmatch(text):
        raise ApplicationError("A tag can use letters and digits, with single spaces, hyphens or apostrophes "
                               "between words.", field="name")
    if len(text.split()) > TAG_MAX_WORDS:
        raise ApplicationError(f"A tag can be at most {TAG_MAX_WORDS} words.", field="name")
    return text


def photo_tag_add(*, owner, photo_id: int, name: str) -> PhotoTag:
    """Add the owner's own tag to a photo (or keep an automatic one of that name for good)."""
    from gallery.selectors import photo_get

    name = clean_tag_name(name)
    photo = photo_get(owner=owner, photo_id=photo_id)
    with transaction.atomic():
        # The photo's row serialises edits (and re-tagging) of its tags: no duplicate-name race.
        Photo.objects.select_for_update().filter(pk=photo.pk).first()
        tag = PhotoTag.objects.filter(photo=photo, name=name).first()
        if tag is None:
            if PhotoTag.objects.filter(photo=photo, hidden=False).count() >= MAX_TAGS_PER_PHOTO:
                raise ApplicationError(f"A photo can have at most {MAX_TAGS_PER_PHOTO} tags.", field="name")
            tag = PhotoTag.objects.create(photo=photo, owner=owner, name=name, source=PhotoTag.Source.USER,
                                          glove=phrase_glove_vector(name))
        elif tag.hidden or tag.source != PhotoTag.Source.USER:
            tag.hidden, tag.source = False, PhotoTag.Source.USER
            tag.save(update_fields=["hidden", "source"])
        tag_vectors_update(photo_ids=[photo.pk])
    return tag


def photo_tag_remove(*, owner, photo_id: int, name: str) -> PhotoTag:
    """Remove a tag from a photo. The row stays, hidden, so that tagging the photo again never
    brings the name back. Returns the removed tag."""
    from gallery.selectors import photo_get

    photo = photo_get(owner=owner, photo_id=photo_id)
    cleaned = queries.normalise_text(str(name or ""))
    with transaction.atomic():
        # No tag holds a NUL (PostgreSQL text cannot even be compared with one).
        tags = PhotoTag.objects.select_for_update().filter(photo=photo, name=cleaned, hidden=False)
        tag = tags.first() if "\x00" not in cleaned else None
        if tag is None:
            raise NotFound(f"This photo has no tag {cleaned!r}.")
        tag.hidden = True
        tag.save(update_fields=["hidden"])
        tag_vectors_update(photo_ids=[photo.pk])
    return tag


def phrase_glove_vector(text: str) -> np.ndarray | None:
    """The mean GloVe direction of a phrase's words (None when GloVe knows none of them)."""
    words = glove.words_of(text)
    found = vectors.glove_vectors(words=words)
    return glove.mean_unit_vector(np.asarray([found[word] for word in words if word in found]))
