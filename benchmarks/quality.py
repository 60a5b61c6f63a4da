"""Search quality on labeled photo folders, measured through the real services."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction

from benchmarks import tag_quality
from benchmarks.datasets import evaluation_words, held_out_labels, list_labeled_photos
from gallery.services import processing, uploads
from search import text, vectors
from search.clip import weights
from search.selectors import embedding_models
from search.selectors.embedding_models import trained_labels
from search.services import vocabulary

K = 10


@dataclass
class EvaluationReport:
    model_key: str
    photos: int
    classes: int
    find_similar_p10: float
    find_similar_map10: float
    text_p10: float
    seconds: float
    per_class_text_p10: dict[str, float] = field(default_factory=dict)
    tags: tag_quality.TagReport | None = None

    def lines(self) -> list[str]:
        return [
            f"model: {self.model_key}",
            f"photos: {self.photos} in {self.classes} classes",
            f"find-similar precision@{K}: {self.find_similar_p10:.3f}",
            f"find-similar mAP@{K}:       {self.find_similar_map10:.3f}",
            f"text-to-image precision@{K}: {self.text_p10:.3f}",
            *(self.tags.lines() if self.tags else ["tags: no vocabulary (run manage.py build_vocabulary)"]),
            f"time: {self.seconds:.1f} s",
        ]


def average_precision_at_k(relevant: list[bool], total_relevant: int, k: int = K) -> float:
    hits, total = 0, 0.0
    for rank, is_relevant in enumerate(relevant[:k], start=1):
        if is_relevant:
            hits += 1
            total += hits / rank
    return total / min(k, total_relevant) if total_relevant else 0.0


def evaluate_folder(*, folder: Path, split: str = "test", per_class_limit: int | None = None, classes: str = "all",
                    progress: Callable[[str], None] = lambda message: None) -> EvaluationReport:
    """Upload the labeled photos (of the seen, unseen or all classes: benchmarks.datasets.held_out_labels)
    into a throwaway user, process them, measure, clean up."""
    started = time.monotonic()
    with _labeled_gallery(folder=folder, split=split, per_class_limit=per_class_limit, classes=classes,
                          progress=progress) as (user, label_of):
        report = _measure(user=user, label_of=label_of, progress=progress)
        if vocabulary.tagging_vocabulary(model=embedding_models.active_model()) is not None:
            progress("tags and word search…")
            report.tags = tag_quality.evaluate_tags(owner=user, label_of=label_of,
                                                    other_words=evaluation_words())
    report.seconds = time.monotonic() - started
    return report


def calibrate_folder(*, folder: Path, split: str, per_class_limit: int | None = None, classes: str = "all",
                     progress: Callable[[str], None] = lambda message: None) -> list[tag_quality.CalibrationRow]:
    """The tag-threshold trade-off table on labeled photos (see tag_quality.calibrate)."""
    with _labeled_gallery(folder=folder, split=split, per_class_limit=per_class_limit, classes=classes,
                          progress=progress) as (user, label_of):
        model = embedding_models.active_model()
        return tag_quality.calibrate(owner=user, label_of=label_of, model=model,
                                     max_tags=settings.TAG_MAX_PER_PHOTO)


@dataclass
class HeldOutNote:
    """What "unseen" means for one folder and the active model."""

    unseen_classes: int
    classes: int
    learnt_unseen: int | None  # how many of the unseen classes the active model was trained on (None: unknown)

    def lines(self) -> list[str]:
        lines = [f"unseen classes: {self.unseen_classes} of {self.classes} (benchmarks.datasets.held_out_labels: "
                 "the first quarter of Caltech-101's and of Tiny-ImageNet's labels by SHA-256)"]
        if self.learnt_unseen is None:
            lines.append("the active model lists no training labels: it may have seen any class")
        elif self.learnt_unseen:
            lines.append(f"WARNING: the active model was trained on {self.learnt_unseen} of the unseen classes "
                         "(their train split): for it they are seen classes")
        return lines


def held_out_note(*, folder: Path) -> HeldOutNote:
    held = held_out_labels(Path(folder).parent)
    labels = {item.label for item in list_labeled_photos(folder, split="test", per_class_limit=1)}
    model = embedding_models.active_model()
    learnt = trained_labels(model=model) if model else None
    return HeldOutNote(unseen_classes=len(labels & held), classes=len(labels),
                       learnt_unseen=None if learnt is None else len(labels & held & learnt))


def side_by_side(reports: dict[str, EvaluationReport]) -> list[str]:
    """A markdown table of the seen- and unseen-class figures."""
    names = list(reports)
    rows = [("photos (classes)", lambda r: f"{r.photos} ({r.classes})"),
            ("find-similar P@10", lambda r: f"{r.find_similar_p10:.3f}"),
            ("find-similar mAP@10", lambda r: f"{r.find_similar_map10:.3f}"),
            ("word search P@10, class names (CLIP)", lambda r: f"{r.text_p10:.3f}"),
            ("word search P@10, class names (hybrid)", lambda r: _tag_figure(r, lambda t: t.class_words_p10["hybrid"])),
            ("tag precision (right tags / tags)", lambda r: _tag_figure(r, lambda t: t.tag_precision)),
            ("tag coverage (photos with a tag)", lambda r: _tag_figure(r, lambda t: t.coverage)),
            ("photos tagged with their class", lambda r: _tag_figure(r, lambda t: t.hit_rate)),
            ("tags per photo", lambda r: _tag_figure(r, lambda t: t.tags_per_photo, digits=2))]
    lines = ["| " + " | ".join(["metric", *(f"{name} classes" for name in names)]) + " |",
             "|" + "---|" * (len(names) + 1)]
    lines += ["| " + " | ".join([label, *(show(reports[name]) for name in names)]) + " |" for label, show in rows]
    return lines


def _tag_figure(report: EvaluationReport, pick, digits: int = 3) -> str:
    return f"{pick(report.tags):.{digits}f}" if report.tags else "n/a"


@contextmanager
def _labeled_gallery(*, folder: Path, split: str, per_class_limit: int | None, classes: str, progress):
    """A throwaway user whose gallery holds the labeled photos, processed; deleted afterwards."""
    labeled = list_labeled_photos(folder, split=split, per_class_limit=per_class_limit, classes=classes)
    if not labeled:
        raise ValueError(f"No photos in class folders under {folder} for split {split!r} and {classes} classes.")
    user = get_user_model().objects.create_user(username=f"evaluate-{uuid.uuid4().hex[:12]}")
    try:
        yield user, _load(user=user, labeled=labeled, progress=progress)
    finally:
        with transaction.atomic():
            user.delete()  # photos, vectors, tags and (after the commit) files go with it


def _load(*, user, labeled, progress) -> dict[int, str]:
    label_of: dict[int, str] = {}
    for index, item in enumerate(labeled, start=1):
        with item.path.open("rb") as handle:
            outcome = uploads.photo_upload(owner=user, file=File(handle, name=item.path.name), enqueue=False)
        if outcome.result == "added":
            label_of[outcome.photo.pk] = item.label
        if index % 500 == 0:
            progress(f"uploaded {index}/{len(labeled)}")
    progress(f"uploaded {len(label_of)} photos; embedding…")
    processing.photos_process_pending()
    return label_of


def _measure(*, user, label_of: dict[int, str], progress) -> EvaluationReport:
    model = embedding_models.active_model()
    class_sizes: dict[str, int] = defaultdict(int)
    for label in label_of.values():
        class_sizes[label] += 1
    precisions, average_precisions = [], []
    for photo_id, label in label_of.items():
        query = vectors.photo_vector(model=model, photo_id=photo_id, owner_id=user.pk)
        if query is None:
            continue
        found = vectors.nearest(model=model, owner_id=user.pk, query=query, limit=K, exclude_photo_id=photo_id)
        relevant = [label_of.get(match.photo_id) == label for match in found]
        precisions.append(sum(relevant) / K)
        average_precisions.append(average_precision_at_k(relevant, class_sizes[label] - 1))
    progress("find-similar measured; text queries…")
    per_class = {}
    for label in sorted(class_sizes):
        found = vectors.nearest(model=model, owner_id=user.pk, query=text.text_vector(label), limit=K)
        per_class[label] = sum(label_of.get(match.photo_id) == label for match in found) / K
    return EvaluationReport(
        model_key=weights.active_spec().key,
        photos=len(label_of),
        classes=len(class_sizes),
        find_similar_p10=_mean(precisions),
        find_similar_map10=_mean(average_precisions),
        text_p10=_mean(list(per_class.values())),
        seconds=0.0,
        per_class_text_p10=per_class,
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0
