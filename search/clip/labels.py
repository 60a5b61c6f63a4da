"""The concepts a checkpoint of the project's own model learnt: read from a file beside it, with
no torch, so web processes (QUERY_ENCODING=worker) can ask too."""

from __future__ import annotations

from pathlib import Path

from search.clip.library import OFFLINE_ARCHITECTURE


def trained_labels(*, architecture: str, pretrained: str) -> frozenset[str] | None:
    """The class labels a checkpoint of the project's own architecture was trained on (the file
    `<checkpoint>.classes.txt` the trainer writes beside it), or None: the model is not limited
    to a known set of concepts (full CLIP, or a checkpoint without the file)."""
    if architecture != OFFLINE_ARCHITECTURE or not pretrained:
        return None
    labels_file = Path(pretrained).with_suffix(".classes.txt")
    if not labels_file.is_file():
        return None
    return frozenset(line.strip() for line in labels_file.read_text(encoding="utf-8").splitlines() if line.strip())
