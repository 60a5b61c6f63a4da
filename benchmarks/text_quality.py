"""Text in photos, measured: photos with words rendered on them (benchmarks/text_images.py) go
through the real upload, processing and text-reading services in a throwaway user; then the OCR's
word recall and precision, and search P@1 for the rendered words (mode text, and the fused word
search at several text-ranking weights), legible and hard cases apart."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from benchmarks.text_images import TextPhoto, text_photos
from gallery.services import processing, uploads
from search import text_match
from search.models import PhotoText
from search.selectors import photo_search
from search.selectors.embedding_models import active_model
from search.services.photo_text import photo_texts_read

WEIGHTS = (0.0, 1.0, 2.0, 3.0, 5.0)  # 0: the text ranking left out (CLIP and tags alone)
MIN_TOKEN = 2  # recognised tokens shorter than this are not counted (stray marks)


@dataclass
class CaseScores:
    photos: int = 0
    words: int = 0
    words_found: int = 0
    tokens: int = 0
    tokens_right: int = 0
    text_p1: float = 0.0
    hybrid_p1: dict[float, float] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        return self.words_found / self.words if self.words else 0.0

    @property
    def precision(self) -> float:
        return self.tokens_right / self.tokens if self.tokens else 0.0


@dataclass
class TextReport:
    photos: int
    ocr_seconds: float
    legible: CaseScores
    hard: CaseScores
    no_text_photos: int
    no_text_with_tokens: int  # photos without rendered words in which the recogniser found some
    background_tokens: int  # words read outside the rendered text (the photos' own text, or noise)
    class_p10: dict[float, float]  # text-to-image P@10 for the backgrounds' class names, per weight
    misses: list[str]

    @property
    def ocr_photos_per_s(self) -> float:
        return self.photos / self.ocr_seconds if self.ocr_seconds else 0.0

    def lines(self) -> list[str]:
        out = [f"text in photos: {self.photos} photos ({self.legible.photos} legible, {self.hard.photos} hard, "
               f"{self.no_text_photos} without text)",
               f"  OCR: {self.ocr_photos_per_s:.2f} photos/s ({self.ocr_seconds:.1f} s)"]
        for name, case in (("legible", self.legible), ("hard", self.hard)):
            fused = ", ".join(f"w={weight:g}: {p1:.3f}" for weight, p1 in case.hybrid_p1.items())
            out += [f"  {name}: word recall {case.recall:.3f} ({case.words_found}/{case.words}), "
                    f"precision {case.precision:.3f} ({case.tokens_right}/{case.tokens})",
                    f"  {name}: search P@1 mode=text {case.text_p1:.3f}; fused word search {fused}"]
        out.append(f"  photos without text where some was read: {self.no_text_with_tokens}/{self.no_text_photos}; "
                   f"words read outside the rendered text (the photos' own text, or noise): {self.background_tokens}")
        out.append("  class-name text-to-image P@10 on the same photos: "
                   + ", ".join(f"w={weight:g}: {p10:.3f}" for weight, p10 in self.class_p10.items()))
        out += [f"  missed (legible): {miss}" for miss in self.misses[:10]]
        return out


def evaluate_text(*, backgrounds: list[tuple[Path, str]], count: int,
                  progress: Callable[[str], None] = lambda message: None) -> TextReport:
    """`backgrounds`: (photo, class label) pairs to draw on."""
    photos = text_photos(backgrounds=[path for path, _ in backgrounds], count=count)
    labels = [backgrounds[index % len(backgrounds)][1] for index in range(count)]
    user = get_user_model().objects.create_user(username=f"evaluate-text-{uuid.uuid4().hex[:12]}")
    try:
        rendered: dict[int, TextPhoto] = {}
        label_of: dict[int, str] = {}
        for photo, label in zip(photos, labels):
            outcome = uploads.photo_upload(owner=user, file=SimpleUploadedFile(photo.name, photo.jpeg), enqueue=False)
            if outcome.result == "added":
                rendered[outcome.photo.pk], label_of[outcome.photo.pk] = photo, label
        progress(f"uploaded {len(rendered)} photos; processing…")
        processing.photos_process_pending()
        progress("reading their text…")
        started = time.perf_counter()
        photo_texts_read(owner=user, yield_to_ingest=False)
        ocr_seconds = time.perf_counter() - started
        progress("measuring…")
        return _measure(user=user, rendered=rendered, label_of=label_of, ocr_seconds=ocr_seconds)
    finally:
        with transaction.atomic():
            user.delete()


def _measure(*, user, rendered: dict[int, TextPhoto], label_of: dict[int, str], ocr_seconds: float) -> TextReport:
    read = {row.photo_id: row for row in PhotoText.objects.filter(owner=user)}
    legible, hard = CaseScores(), CaseScores()
    no_text, no_text_with_tokens, background_tokens, misses = 0, 0, 0, []
    options = photo_search.SearchOptions(limit=5)
    for photo_id, photo in rendered.items():
        row = read.get(photo_id)
        if not photo.words:
            no_text += 1
            no_text_with_tokens += bool(_tokens(row.lines if row else []))
            continue
        inside = [line for line in (row.lines if row else []) if _centre_inside(line["quad"], photo.box)]
        tokens = _tokens(inside)
        background_tokens += len(_tokens(row.lines if row else [])) - len(tokens)
        case = hard if photo.hard else legible
        case.photos += 1
        recognised = text_match.compact(" ".join(line["text"] for line in inside))
        truth = text_match.compact(" ".join(photo.words))
        found = [word for word in photo.words if text_match.compact(word) in recognised]
        case.words += len(photo.words)
        case.words_found += len(found)
        case.tokens += len(tokens)
        case.tokens_right += sum(token in truth for token in tokens)
        query = " ".join(photo.words)
        top = photo_search.search_text(owner=user, text=query, options=options, mode="text").results
        hit = bool(top) and top[0].photo.pk == photo_id
        case.text_p1 += hit
        if not hit and not photo.hard:
            misses.append(f"{query!r} read as {row.text if row else ''!r}")
        for weight in WEIGHTS:
            fused = photo_search.search_text(owner=user, text=query, options=options, text_ranking_weight=weight)
            case.hybrid_p1[weight] = case.hybrid_p1.get(weight, 0.0) + (
                bool(fused.results) and fused.results[0].photo.pk == photo_id)
    for case in (legible, hard):
        if case.photos:
            case.text_p1 /= case.photos
            case.hybrid_p1 = {weight: hits / case.photos for weight, hits in case.hybrid_p1.items()}
    return TextReport(photos=len(rendered), ocr_seconds=ocr_seconds, legible=legible, hard=hard, no_text_photos=no_text,
                      no_text_with_tokens=no_text_with_tokens, background_tokens=background_tokens, class_p10=_class_p10(user=user, label_of=label_of),
                      misses=misses)


def _tokens(lines: list[dict]) -> list[str]:
    return [token for line in lines for token in text_match.normalised(line["text"]).split() if len(token) >= MIN_TOKEN]


def _centre_inside(quad: list[list[float]], box: tuple[float, float, float, float] | None, margin: float = 0.02) -> bool:
    """Precision counts the lines read where the words were drawn: the photos have text of their own."""
    if box is None:
        return False
    x = sum(point[0] for point in quad) / len(quad)
    y = sum(point[1] for point in quad) / len(quad)
    return box[0] - margin <= x <= box[2] + margin and box[1] - margin <= y <= box[3] + margin


def _class_p10(*, user, label_of: dict[int, str]) -> dict[float, float]:
    """Does the text ranking disturb ordinary word searches? The backgrounds' class names, searched
    with each weight (P@10 against the class labels)."""
    if active_model() is None:
        return {}
    labels = sorted(set(label_of.values()))
    scores = {}
    options = photo_search.SearchOptions(limit=10)
    for weight in WEIGHTS:
        hits = []
        for label in labels:
            results = photo_search.search_text(owner=user, text=label, options=options, text_ranking_weight=weight).results
            hits.append(sum(label_of.get(item.photo.pk) == label for item in results) / 10)
        scores[weight] = sum(hits) / len(hits) if hits else 0.0
    return scores
