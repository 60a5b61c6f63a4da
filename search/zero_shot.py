"""Zero-shot tagging: image vectors against the vocabulary's CLIP text vectors (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Vocabulary:
    """The concepts and their vectors for one model, row-aligned."""

    concept_ids: np.ndarray  # (n,)
    names: tuple[str, ...]
    clip: np.ndarray  # (n, model dimensions), unit rows
    glove: np.ndarray  # (n, 50), unit rows

    def __len__(self) -> int:
        return len(self.names)


def probabilities(image_vectors: np.ndarray, vocabulary: Vocabulary, *, logit_scale: float) -> np.ndarray:
    """Softmax over the vocabulary of the model's scaled cosine logits, one row per image."""
    logits = logit_scale * (np.asarray(image_vectors, dtype=np.float32) @ vocabulary.clip.T)
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def best_tags(probs: np.ndarray, *, threshold: float, max_tags: int,
              relative: float = 0.0) -> list[list[tuple[int, float]]]:
    """Per image, up to `max_tags` (concept row, probability) pairs at or above `threshold` and at
    least `relative` times the image's best probability (a confident tag silences the tail), best first."""
    chosen = []
    top = np.argsort(-probs, axis=1)[:, :max_tags]
    for row, columns in zip(probs, top):
        floor = max(threshold, relative * float(row[columns[0]])) if len(columns) else threshold
        chosen.append([(int(column), float(row[column])) for column in columns if row[column] >= floor])
    return chosen
