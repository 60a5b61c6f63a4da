"""The tagging vocabulary: curated visual concepts in search/data/vocabulary.txt (see VOCABULARY.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
VOCABULARY_PATH = DATA_DIR / "vocabulary.txt"


@dataclass(frozen=True)
class Entry:
    name: str
    category: str


def load(path: Path = VOCABULARY_PATH) -> list[Entry]:
    """Entries in file order; `# category` lines name the category of the entries below them."""
    entries, seen, category = [], set(), "misc"
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#"):
            category = line.lstrip("#").strip() or category
        elif line and line not in seen:
            seen.add(line)
            entries.append(Entry(name=" ".join(line.lower().split()), category=category))
    return entries



# Concepts a model of the project's own architecture learnt (its training labels; see
# search.clip.labels.trained_labels) join the vocabulary under this category. They are the offline
# model's tagging vocabulary; other models keep the curated file.
LEARNT_CATEGORY = "learnt by the offline model"
# A curated single-word concept counts as known to such a model when its GloVe direction is this
# close to a single-word label it learnt. GloVe 50-d's neighbours are mostly siblings, not synonyms:
# at 0.9 it admits truck~car, trumpet~saxophone, harmonica~mandolin (tagging a car "truck" is the
# invention to avoid), and phrases lean on one word (potato~"mashed potato", bass guitar~bass the fish).
KNOWN_SYNONYM_MIN_SIMILARITY = 0.95


def learnt_entries(labels, *, existing: set[str]) -> list[Entry]:
    """Entries for the learnt labels that the curated file does not have, in sorted order."""
    return [Entry(name=label, category=LEARNT_CATEGORY) for label in sorted(labels) if label not in existing]


def known_concepts_mask(names, glove: np.ndarray, *, labels: frozenset[str]) -> np.ndarray:
    """Which concepts (rows of unit GloVe vectors, aligned with `names`) a model that learnt
    `labels` can recognise: the labels themselves and their close single-word GloVe synonyms."""
    is_label = np.asarray([name in labels for name in names], dtype=bool)
    single = np.asarray([len(name.split()) == 1 for name in names], dtype=bool)
    if not (is_label & single).any():
        return is_label
    glove = np.asarray(glove, dtype=np.float32)
    closeness = (glove @ glove[is_label & single].T).max(axis=1)
    return is_label | (single & (closeness >= KNOWN_SYNONYM_MIN_SIMILARITY))
