"""Writes of automatic tags: zero-shot tags from photos' image vectors, and the backfill that
tags photos embedded before the vocabulary existed (or re-embedded by a re-index)."""

from __future__ import annotations

import numpy as np
from django.conf import settings
from django.db import transaction

from gallery.models import Photo
from imagesearch.db import advisory_lock
from search import zero_shot
from search.clip import encoders
from search.clip.library import OFFLINE_ARCHITECTURE
from search.models import EmbeddingModel, PhotoEmbedding, PhotoTag
from search.services.embedding_models import active_model_ensure
from search.services.tag_vectors import tag_vectors_update
from search.services.vocabulary import tagging_vocabulary

BACKFILL_LOCK_ID = 7_201_003  # one backfill at a time across processes

# The shipped offline model's calibration over its own vocabulary (the labels it learnt), from
# `manage.py calibrate_tags ../shared/datasets/caltech101 --per-class 10 --classes unseen` and `seen`.
# On classes it never saw no threshold reaches half right tags (it has no word for them: 0.13 at
# best), so the threshold is where unseen photos mostly get no tag while seen ones keep theirs:
# at 0.3, 66% of unseen-class photos get none, and 77% of seen-class photos' tags are right
# (at 0.15, the previous checkpoint's threshold, this one gives 23% and 59%). (minimum probability, share of the
# photo's best probability.)
BUILT_IN_CALIBRATION = {OFFLINE_ARCHITECTURE: (0.3, 0.3)}


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
                                    logit_scale=encoders.get_model().logit_scale)
    threshold, relative = tag_thresholds(model=model)
    # settings.TAG_MAX_PER_PHOTO bounds the automatic tags only; owners may add more of their own.
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


def tags_backfill(*, batch_size: int = 256, limit: int | None = None, wait: bool = False) -> int:
    """Tag photos whose vector for the active model has not been tagged yet (photos embedded
    before the vocabulary existed, or re-embedded by a re-index). Returns how many were tagged
    (0 when another process is backfilling, unless `wait`: then it waits its turn)."""
    with advisory_lock(BACKFILL_LOCK_ID, wait=wait) as acquired:
        if not acquired:
            return 0
        model = active_model_ensure()
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
    return PhotoEmbedding.objects.filter(model=active_model_ensure(), tagged=True).update(tagged=False)
