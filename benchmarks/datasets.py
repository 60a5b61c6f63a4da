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
CLASS_SETS = ("all", "seen", "unseen")
# The class-disjoint split: a quarter of these datasets' classes never enters training (see held_out_labels).
HOLD_OUT_DATASETS = ("caltech101", "tiny_imagenet_val")
HOLD_OUT_SHARE = 4  # one class in HOLD_OUT_SHARE
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


def folder_labels(folder: Path) -> list[str]:
    """The cleaned class labels of a folder of class folders, sorted (Faces and Faces_easy are one)."""
    folder = Path(folder)
    readable = _readable_names(folder)
    return sorted({clean_class_name(p.name, readable_names=readable) for p in folder.iterdir() if p.is_dir()})


def label_rank_key(label: str) -> str:
    """Where a label falls in the fixed order of the class-disjoint split: its name's SHA-256."""
    return hashlib.sha256(label.encode("utf-8")).hexdigest()


def held_out_labels(root: Path | None = None) -> frozenset[str]:
    """The unseen classes: in each of HOLD_OUT_DATASETS, its labels sorted by `label_rank_key`,
    the first quarter (rounded up). A held-out label is held out of every dataset (Caltech-101 and
    Tiny-ImageNet share names such as "pizza"), so no photo of it is ever trained on. Empty when
    the datasets are absent."""
    root = Path(root) if root is not None else default_datasets_root()
    held: set[str] = set()
    for name in HOLD_OUT_DATASETS:
        if (root / name).is_dir():
            labels = sorted(folder_labels(root / name), key=label_rank_key)
            held.update(labels[:-(-len(labels) // HOLD_OUT_SHARE)])
    return frozenset(held)


def in_class_set(label: str, class_set: str, *, held_out: frozenset[str]) -> bool:
    if class_set not in CLASS_SETS:
        raise ValueError(f"classes must be one of {', '.join(CLASS_SETS)}, not {class_set!r}")
    return class_set == "all" or (label in held_out) == (class_set == "unseen")


def list_labeled_photos(folder: Path, *, split: str = "all", per_class_limit: int | None = None,
                        classes: str = "all", held_out: frozenset[str] | None = None) -> list[LabeledPhoto]:
    """Photos under `folder/<class>/` in the given split, sorted by class then file name; `classes`
    "seen" or "unseen" keeps the classes outside or inside `held_out` (default: `held_out_labels()`
    of the folder's parent)."""
    folder = Path(folder)
    readable = _readable_names(folder)
    if classes != "all" and held_out is None:
        held_out = held_out_labels(folder.parent)
    photos: list[LabeledPhoto] = []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        label = clean_class_name(class_dir.name, readable_names=readable)
        if not in_class_set(label, classes, held_out=held_out or frozenset()):
            continue
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
