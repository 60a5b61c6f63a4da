"""Labeled photo folders (one sub-folder per class) and the project's fixed train/test split,
the out-of-vocabulary evaluation words (benchmarks/data/evaluation_words.tsv), and sample photos
(from a labeled folder, or generated) for the ingest and load benchmarks.

Used by the offline-model trainer, `manage.py evaluate`, the benchmarks and the tests, so
that every number is computed on the same files. No Django here: the trainer imports it as a
plain module.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
SPLITS = ("train", "test", "all")
EVALUATION_WORDS_PATH = Path(__file__).resolve().parent / "data" / "evaluation_words.tsv"

# Class folders whose names are not the words a person would type.
_CLASS_WORD_OVERRIDES = {
    "faces": "face",
    "faces_easy": "face",
    "airplanes": "airplane",
    "motorbikes": "motorbike",
    "leopards": "leopard",
    "car_side": "car",
    "yin_yang": "yin yang",
}


@dataclass(frozen=True)
class LabeledPhoto:
    path: Path
    label: str  # cleaned class words, e.g. "wild cat"


def default_datasets_root() -> Path:
    """`../shared/datasets` beside the project root (absent on a user's machine)."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


def clean_class_name(folder_name: str, *, readable_names: dict[str, str] | None = None) -> str:
    """Turn a class folder name into the words a person would search for."""
    if readable_names and folder_name in readable_names:
        return readable_names[folder_name]
    lowered = folder_name.lower()
    if lowered in _CLASS_WORD_OVERRIDES:
        return _CLASS_WORD_OVERRIDES[lowered]
    words = re.sub(r"[_\-]+", " ", lowered).strip()
    return re.sub(r"\s+", " ", words)


def _readable_names(folder: Path) -> dict[str, str]:
    """Tiny-ImageNet ships CLASSES.tsv (wnid, folder, "name, synonym, ..."): keep the first name."""
    table = folder / "CLASSES.tsv"
    if not table.exists():
        return {}
    names = {}
    with table.open(newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) >= 3:
                names[row[1]] = row[2].split(",")[0].strip().lower()
    return names


def in_split(index: int, split: str) -> bool:
    """Every 5th file of a class (sorted by name, 0-based index % 5 == 4) is test."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    if split == "all":
        return True
    return (index % 5 == 4) == (split == "test")


def list_labeled_photos(folder: Path, *, split: str = "all", per_class_limit: int | None = None) -> list[LabeledPhoto]:
    """Photos under `folder/<class>/` in the given split, sorted by class then file name."""
    folder = Path(folder)
    readable = _readable_names(folder)
    photos: list[LabeledPhoto] = []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        label = clean_class_name(class_dir.name, readable_names=readable)
        files = sorted(p for p in class_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        chosen = [path for index, path in enumerate(files) if in_split(index, split)]
        if per_class_limit is not None:
            chosen = chosen[:per_class_limit]
        photos.extend(LabeledPhoto(path=path, label=label) for path in chosen)
    return photos


def evaluation_words(path: Path = EVALUATION_WORDS_PATH) -> dict[str, list[str]]:
    """Out-of-vocabulary query words and the class labels that count as right answers (see
    search/data/VOCABULARY.md); empty when the file is missing."""
    if not path.exists():
        return {}
    words = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            word, classes = line.split("\t")
            words[word.strip()] = [label.strip() for label in classes.split(",") if label.strip()]
    return words


# --- Sample photos for the ingest and load benchmarks -----------------------------------------

PhotoFile = tuple[str, bytes]  # (file name, bytes)


def generated_jpeg(*, seed: int, width: int = 640, height: int = 480) -> bytes:
    """A smooth random JPEG (upscaled noise), different for every seed."""
    pixels = (np.random.default_rng(seed).random((12, 16, 3)) * 255).astype("uint8")
    buffer = io.BytesIO()
    Image.fromarray(pixels).resize((width, height)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def sample_photos(*, count: int, folder: Path | None = None) -> tuple[list[PhotoFile], str]:
    """`count` photos with distinct bytes spread over a labeled photo folder (default: the shared
    Caltech-101 copy), or generated JPEGs when it is missing; and where they came from."""
    folder = folder or default_datasets_root() / "caltech101"
    paths = [item.path for item in list_labeled_photos(folder, split="all")] if folder.is_dir() else []
    if not paths:
        return [(f"generated-{seed}.jpg", generated_jpeg(seed=seed)) for seed in range(count)], "generated JPEGs"
    picked: list[PhotoFile] = []
    seen: set[str] = set()
    step = max(1, len(paths) // count)
    for path in paths[::step] + paths:  # the second pass fills in when duplicates were skipped
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest not in seen:
            seen.add(digest)
            picked.append((f"{path.parent.name}-{path.name}", data))
        if len(picked) == count:
            break
    return picked, f"{folder.name} photos"
