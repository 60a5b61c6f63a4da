"""Writes of the tagging vocabulary: GloVe's words, the concepts, and their CLIP text vectors
per model (cached per process as the matrix zero-shot tagging uses)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Count, Max

from imagesearch.db import advisory_lock
from search import glove, vectors, vocabulary, zero_shot
from search.clip import encoders, labels, weights
from search.models import Concept, ConceptEmbedding, EmbeddingModel, GloveWord, PhotoTag
from search.selectors.embedding_models import trained_labels
from search.selectors.words import word_query_cache_clear
from search.services.embedding_models import active_model_ensure
from search.services.tag_vectors import tag_vectors_update
from search.text import PROMPT_TEMPLATES

logger = logging.getLogger(__name__)

CONCEPT_BATCH = 128
GLOVE_WORDS = 400_000
VOCABULARY_LOCK_ID = 7_201_002  # one vocabulary build at a time across processes


@dataclass
class VocabularyReport:
    glove_words: int
    glove_loaded: bool
    concepts: int
    skipped: list[str]
    embedded: int
    model_key: str | None


def vocabulary_missing() -> bool:
    """Whether `vocabulary_build` has work to do (a fresh database, or one from before the
    offline model's learnt labels joined the vocabulary)."""
    return (not Concept.objects.filter(category=vocabulary.LEARNT_CATEGORY).exists()
            or GloveWord.objects.count() < GLOVE_WORDS)


def _vocabulary_entries() -> list[vocabulary.Entry]:
    """The curated concepts, then the labels the shipped (and the active) offline model learnt."""
    entries = vocabulary.load()
    labels = set(_spec_labels(weights.offline_spec()) | _spec_labels(weights.active_spec()))
    return entries + vocabulary.learnt_entries(labels, existing={entry.name for entry in entries})


def _spec_labels(spec: weights.ModelSpec) -> frozenset[str]:
    return labels.trained_labels(architecture=spec.architecture, pretrained=spec.pretrained) or frozenset()


def vocabulary_build(*, reload_words: bool = False, embed: bool = True,
                     progress: Callable[[str], None] = lambda message: None) -> VocabularyReport | None:
    """Load GloVe's words (once, or again with `reload_words`), sync the concepts with the data
    file, and compute the concepts' CLIP text vectors for the active model. None when another
    process is building it."""
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
    for entry in _vocabulary_entries():
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
    word_query_cache_clear()
    _tags_without_glove_fill(index=index, matrix=matrix)
    embedded, model_key = 0, None
    if embed:
        model = active_model_ensure()
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


def concept_embeddings_ensure(*, model: EmbeddingModel) -> int:
    """Compute the CLIP text vectors of concepts that lack one for `model` (the loaded model)."""
    missing = list(Concept.objects.exclude(embeddings__model=model).order_by("id"))
    for start in range(0, len(missing), CONCEPT_BATCH):
        chunk = missing[start:start + CONCEPT_BATCH]
        prompts = [template.format(c.name) for c in chunk for template in PROMPT_TEMPLATES]
        encoded = encoders.encode_texts(prompts).reshape(len(chunk), len(PROMPT_TEMPLATES), -1).mean(axis=1)
        encoded /= np.maximum(np.linalg.norm(encoded, axis=1, keepdims=True), 1e-12)
        ConceptEmbedding.objects.bulk_create(
            [ConceptEmbedding(concept=concept, model=model, embedding=vector) for concept, vector in zip(chunk, encoded)],
            ignore_conflicts=True)
    return len(missing)


_vocabulary_cache: dict[int, tuple[tuple, zero_shot.Vocabulary]] = {}
_vocabulary_lock = threading.Lock()


def tagging_vocabulary(*, model: EmbeddingModel, compute: bool = True) -> zero_shot.Vocabulary | None:
    """The concepts `model` can recognise, as the matrix zero-shot tagging uses (cached per process
    until the vocabulary changes), computing missing concept vectors first. A model with trained
    labels (the offline model) knows those and their close GloVe synonyms only; any other model the
    curated vocabulary. None before `build_vocabulary` has run, or when vectors are missing and
    `compute` is off (inside a transaction: encoding thousands of prompts there would hold its
    locks for a long time)."""
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
                    .values_list("concept_id", "concept__name", "embedding", "concept__glove", "concept__category"))
        labels = trained_labels(model=model)
        if labels is None:
            rows = [row for row in rows if row[4] != vocabulary.LEARNT_CATEGORY]
        ids, names, clip_rows, glove_rows, _ = zip(*rows)
        glove_matrix = np.asarray([np.asarray(r, dtype=np.float32) for r in glove_rows])
        keep = (vocabulary.known_concepts_mask(names, glove_matrix, labels=labels) if labels is not None
                else np.ones(len(names), dtype=bool))
        if not keep.any():
            return None
        built = zero_shot.Vocabulary(concept_ids=np.asarray(ids)[keep], names=tuple(np.asarray(names)[keep].tolist()),
                                     clip=np.asarray([np.asarray(r, dtype=np.float32) for r in clip_rows])[keep],
                                     glove=glove_matrix[keep])
        _vocabulary_cache[model.pk] = (version, built)
        return built
