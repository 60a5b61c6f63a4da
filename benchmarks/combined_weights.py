"""How the weights of combined queries (search/combine.py) move results, on labeled photos.

The photos are encoded once with the active model and searched exactly in memory (the math, not
the database). Two sweeps:
- image + words: a photo of class A plus the name of another class B. For each weight, the share
  of the top 10 (the query photo left out) that is class B (the words) and class A (the photo).
- words minus words: class A's name minus the name of the class that most often intrudes on its
  top 10 (B). For each weight, the share of the top 10 that is A (kept) and B (removed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.datasets import list_labeled_photos
from search import combine
from search.clip import encoders, weights
from search.text import text_vector

K = 10
WORDS_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, float("inf"))  # inf: the words alone
WITHOUT_WEIGHTS = (0.0, 0.25, 0.35, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class SweepRow:
    weight: float
    target_p10: float  # image + words: class of the words; minus: the wanted class
    other_p10: float  # image + words: class of the photo; minus: the removed class
    likeness: float = 0.0  # image + words: mean cosine of the results to the query photo


@dataclass
class CombinedReport:
    model_key: str
    photos: int
    classes: int
    with_words: list[SweepRow]
    without: list[SweepRow]
    pairs_without: int

    def lines(self) -> list[str]:
        lines = [f"model: {self.model_key}", f"photos: {self.photos} in {self.classes} classes",
                 f"image + words (photo of class A + name of class B), top {K}:",
                 "  weight  words' class B  photo's class A  likeness to the photo"]
        lines += [f"  {row.weight:6.2f}  {row.target_p10:14.3f}  {row.other_p10:15.3f}  {row.likeness:21.3f}"
                  for row in self.with_words]
        lines += [f"words minus words ({self.pairs_without} pairs: A minus the class B that intrudes most), top {K}:",
                  "  weight  wanted A  removed B"]
        lines += [f"  {row.weight:6.2f}  {row.target_p10:8.3f}  {row.other_p10:9.3f}" for row in self.without]
        return lines


def _top(matrix: np.ndarray, query: np.ndarray, *, leave_out: int | None = None) -> np.ndarray:
    scores = matrix @ query
    if leave_out is not None:
        scores[leave_out] = -np.inf
    return np.argsort(-scores, kind="stable")[:K]


def measure_combined(*, folder: Path, per_class: int, queries_per_class: int = 2, seed: int = 0) -> CombinedReport:
    photos = list_labeled_photos(folder, split="test", per_class_limit=per_class)
    if not photos:
        raise ValueError(f"{folder} has no photos in class folders.")
    labels = np.asarray([photo.label for photo in photos])
    classes = sorted(set(labels))
    matrix = np.concatenate([encoders.encode_images([Image.open(p.path).convert("RGB") for p in photos[i:i + 64]])
                             for i in range(0, len(photos), 64)])
    words = {label: text_vector(label) for label in classes}
    rng = np.random.default_rng(seed)

    queries = []
    for label in classes:
        members = np.flatnonzero(labels == label)
        others = [c for c in classes if c != label]
        for index in rng.choice(members, size=min(queries_per_class, len(members)), replace=False):
            queries.append((int(index), str(rng.choice(others))))
    with_words = []
    for weight in WORDS_WEIGHTS:
        target, other, likeness = [], [], []
        for index, word_class in queries:
            query = words[word_class] if np.isinf(weight) else combine.with_words(matrix[index], words[word_class],
                                                                                  weight=weight)
            found = _top(matrix, query, leave_out=index)
            target.append(np.mean(labels[found] == word_class))
            other.append(np.mean(labels[found] == labels[index]))
            likeness.append(float(np.mean(matrix[found] @ matrix[index])))
        with_words.append(SweepRow(weight=weight, target_p10=float(np.mean(target)), other_p10=float(np.mean(other)),
                                   likeness=float(np.mean(likeness))))

    pairs = []
    for label in classes:
        top = labels[_top(matrix, words[label])]
        intruders = [c for c in top if c != label]
        if intruders:
            pairs.append((label, max(set(intruders), key=intruders.count)))
    without = []
    for weight in WITHOUT_WEIGHTS:
        kept, removed = [], []
        for wanted, unwanted in pairs:
            top = labels[_top(matrix, combine.without(words[wanted], [words[unwanted]], weight=weight))]
            kept.append(np.mean(top == wanted))
            removed.append(np.mean(top == unwanted))
        without.append(SweepRow(weight=weight, target_p10=float(np.mean(kept)), other_p10=float(np.mean(removed))))
    return CombinedReport(model_key=weights.active_spec().key, photos=len(photos), classes=len(classes),
                          with_words=with_words, without=without, pairs_without=len(pairs))
