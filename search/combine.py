"""Combined query vectors (pure numpy): an image plus words, words minus words, the centre of
several photos. Every input is made a unit vector first, so a weight means the same whatever the
inputs' lengths, and every result is a unit vector, as the search expects.

Default weights, measured with `manage.py benchmark_combined` (Caltech-101 test photos, 15 a
class, the offline model, exact search in memory; figures in README "Combined queries"):
- WORDS_WEIGHT 1.5, image + words. A photo lies much nearer other photos than any words (CLIP's
  modality gap), so the words need more than an equal share: a photo of class A plus the name of
  class B puts 0.36 of the top 10 in B at 1.5 (0.23 at 1.0; the words alone: 0.50), while the
  results stay like the photo (mean cosine 0.64 to it, against 0.52 for the words alone).
- WITHOUT_WEIGHT 0.35, words minus words. A class's name minus the class that intrudes most on
  its top 10: the intruders fall from 0.21 to 0.06 of the top 10 while the wanted class keeps 0.44
  of its 0.46; at 0.5 the wanted class falls to 0.36, at 1.0 to 0.06.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

WORDS_WEIGHT = 1.5
WITHOUT_WEIGHT = 0.35
MIN_WEIGHT = 0.0
MAX_WEIGHT = 4.0
# Below this length a sum is (numerically) no direction at all: "dog -dog", or two opposite photos.
MIN_NORM = 1e-3


class CancelledOut(ValueError):
    """The parts of a combination cancel each other: the result points nowhere."""


def unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    if not np.isfinite(norm) or norm < MIN_NORM:
        raise CancelledOut("The vector has no direction.")
    return vector / norm


def weighted_sum(terms: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
    """unit(sum of weight * unit(vector)); negative weights subtract."""
    if not terms:
        raise ValueError("Nothing to combine.")
    total = np.zeros_like(np.asarray(terms[0][0], dtype=np.float32))
    for vector, weight in terms:
        total = total + float(weight) * unit(vector)
    return unit(total)


def with_words(image: np.ndarray, words: np.ndarray, *, weight: float = WORDS_WEIGHT) -> np.ndarray:
    """An image moved toward words: unit(unit(image) + weight * unit(words))."""
    return weighted_sum([(image, 1.0), (words, weight)])


def without(query: np.ndarray, removed: Sequence[np.ndarray], *, weight: float = WITHOUT_WEIGHT) -> np.ndarray:
    """A query moved away from each of `removed`: unit(unit(query) - weight * sum unit(removed))."""
    return weighted_sum([(query, 1.0), *((vector, -weight) for vector in removed)])


def centroid(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """The direction of several photos together: the unit mean of their unit vectors."""
    if not len(vectors):
        raise ValueError("No vectors to average.")
    return weighted_sum([(vector, 1.0) for vector in vectors])
