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
# search.clip.weights.trained_labels) join the vocabulary under this category. They are the offline
# model's tagging vocabulary; other models keep the curated file.
LEARNT_CATEGORY = "learnt by the offline model"
# A curated concept counts as known to such a model when its GloVe direction is this close to a
# label it learnt. GloVe 50-d's neighbours below about 0.9 are mostly siblings, not synonyms
# (violin~saxophone 0.8, shark~dolphin 0.8): tagging a dolphin "shark" is the invention to avoid.
KNOWN_SYNONYM_MIN_SIMILARITY = 0.9


def learnt_entries(labels, *, existing: set[str]) -> list[Entry]:
    """Entries for the learnt labels that the curated file does not have, in sorted order."""
    return [Entry(name=label, category=LEARNT_CATEGORY) for label in sorted(labels) if label not in existing]


def known_concepts_mask(names, glove: np.ndarray, *, labels: frozenset[str]) -> np.ndarray:
    """Which concepts (rows of unit GloVe vectors, aligned with `names`) a model that learnt
    `labels` can recognise: the labels themselves and their close GloVe synonyms."""
    is_label = np.asarray([name in labels for name in names], dtype=bool)
    if not is_label.any():
        return is_label
    closeness = (np.asarray(glove, dtype=np.float32) @ np.asarray(glove, dtype=np.float32)[is_label].T).max(axis=1)
    return is_label | (closeness >= KNOWN_SYNONYM_MIN_SIMILARITY)
