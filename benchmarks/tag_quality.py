"""Quality of tags and word search on labeled photos, and calibration of the tag threshold.

A photo's tags "hit" when they contain its class word or a GloVe near-synonym of it (cosine at
least NEAR_SYNONYM_MIN_SIMILARITY between the two words' GloVe directions).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from search import zero_shot
from search.clip import encoders
from search.models import EmbeddingModel, PhotoEmbedding, PhotoTag
from search.selectors import embedding_models, photo_search, words
from search.services import vocabulary

K = 10
NEAR_SYNONYM_MIN_SIMILARITY = 0.7
MODES = ("clip", "tags", "hybrid")
THRESHOLDS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
RELATIVE_FLOORS = (0.0, 0.1, 0.2, 0.3, 0.5)


@dataclass
class TagReport:
    hit_rate: float  # share of photos whose automatic tags include their class (or a near-synonym)
    tags_per_photo: float
    tag_precision: float = 0.0  # share of automatic tags that are their photo's class or a near-synonym
    coverage: float = 0.0  # share of photos with any automatic tag
    class_words_p10: dict[str, float] = field(default_factory=dict)  # mode -> P@10
    other_words_p10: dict[str, float] = field(default_factory=dict)
    other_words: int = 0

    def lines(self) -> list[str]:
        lines = [f"tag precision (automatic tags that are the class word or a GloVe near-synonym): {self.tag_precision:.3f}",
                 f"tag coverage (photos with any automatic tag): {self.coverage:.3f}",
                 f"photos tagged with their class (or a near-synonym): {self.hit_rate:.3f}",
                 f"tags per photo: {self.tags_per_photo:.2f}",
                 f"word search precision@{K}     " + "  ".join(f"{mode:>7}" for mode in MODES),
                 "  class names                " + "  ".join(f"{self.class_words_p10[m]:7.3f}" for m in MODES)]
        if self.other_words:
            lines.append(f"  {self.other_words} words not in the vocab " + "  ".join(
                f"{self.other_words_p10[m]:7.3f}" for m in MODES))
        return lines


def near_synonyms(labels: set[str]) -> dict[str, set[str]]:
    """Each label's set of acceptable tag names: itself and vocabulary concepts near it in GloVe."""
    model = embedding_models.active_model()
    vocab = vocabulary.tagging_vocabulary(model=model) if model else None
    accepted = {label: {label} for label in labels}
    if vocab is None:
        return accepted
    for label in labels:
        query = words.word_query(label)
        if query.vector is not None:
            similar = vocab.glove @ query.vector >= NEAR_SYNONYM_MIN_SIMILARITY
            accepted[label] |= {vocab.names[i] for i in np.flatnonzero(similar)}
    return accepted


def evaluate_tags(*, owner, label_of: dict[int, str], other_words: dict[str, list[str]] | None = None) -> TagReport:
    """Tag precision and word-search precision@10 in the owner's gallery, whose photos are labeled."""
    accepted = near_synonyms(set(label_of.values()))
    tags: dict[int, set[str]] = {}
    for photo_id, name in PhotoTag.objects.filter(owner=owner, hidden=False, source=PhotoTag.Source.AUTO).values_list(
            "photo_id", "name"):
        tags.setdefault(photo_id, set()).add(name)
    hits = [bool(tags.get(photo_id, set()) & accepted[label]) for photo_id, label in label_of.items()]
    right = sum(len(tags.get(photo_id, set()) & accepted[label]) for photo_id, label in label_of.items())
    assigned = sum(len(tags.get(photo_id, ())) for photo_id in label_of)
    other_words = {word: classes for word, classes in (other_words or {}).items()
                   if set(classes) & set(label_of.values())}
    report = TagReport(hit_rate=_mean(hits), tags_per_photo=_mean([len(tags.get(p, ())) for p in label_of]),
                       tag_precision=right / assigned if assigned else 0.0,
                       coverage=_mean([bool(tags.get(p)) for p in label_of]), other_words=len(other_words))
    for mode in MODES:
        report.class_words_p10[mode] = _mean([
            _precision(owner=owner, text=label, relevant={label}, label_of=label_of, mode=mode)
            for label in sorted(set(label_of.values()))])
        report.other_words_p10[mode] = _mean([
            _precision(owner=owner, text=word, relevant=set(classes), label_of=label_of, mode=mode)
            for word, classes in other_words.items()])
    return report


def _precision(*, owner, text: str, relevant: set[str], label_of: dict[int, str], mode: str) -> float:
    found = photo_search.search_text(owner=owner, text=text, options=photo_search.SearchOptions(limit=K), mode=mode)
    return sum(label_of.get(item.photo.pk) in relevant for item in found.results) / K


# The calibration's choice: the most photos tagged right while at least this share of tags is right.
TAG_PRECISION_TARGET = 0.5


@dataclass
class CalibrationRow:
    threshold: float
    relative: float
    hit_rate: float  # photos whose tags include their class (or a near-synonym)
    precision: float  # tags that are the class word or a near-synonym
    tags_per_photo: float
    coverage: float = 0.0  # photos with any tag

    @property
    def f1(self) -> float:
        total = self.hit_rate + self.precision
        return 2 * self.hit_rate * self.precision / total if total else 0.0


def best_row(table: list[CalibrationRow], *, target: float = TAG_PRECISION_TARGET) -> CalibrationRow:
    """The row tagging the most photos right among those with tag precision >= target (ties: the
    fewer tags); when none reaches it, the most precise row."""
    reaching = [row for row in table if row.precision >= target and row.tags_per_photo > 0]
    if reaching:
        return max(reaching, key=lambda row: (round(row.hit_rate, 6), -row.tags_per_photo))
    return max(table, key=lambda row: (row.precision, row.hit_rate))


def calibrate(*, owner, label_of: dict[int, str], model: EmbeddingModel, max_tags: int) -> list[CalibrationRow]:
    """How hit rate, tag precision and coverage trade off over THRESHOLDS, for the owner's labeled
    photos. Every photo counts: on a class the model cannot name (none of its concepts is the class
    or a near-synonym) every tag is wrong, and no tag is the right answer."""
    vocab = vocabulary.tagging_vocabulary(model=model)
    accepted = near_synonyms(set(label_of.values()))
    rows = list(PhotoEmbedding.objects.filter(model=model, owner=owner, photo_id__in=list(label_of))
                .values_list("photo_id", "embedding"))
    index = {name: i for i, name in enumerate(vocab.names)}
    good = [{index[n] for n in accepted[label_of[pid]] if n in index} for pid, _ in rows]
    matrix = np.asarray([np.asarray(vector, dtype=np.float32) for _, vector in rows])
    probs = zero_shot.probabilities(matrix, vocab, logit_scale=encoders.get_model().logit_scale)
    table = []
    for threshold, relative in itertools.product(THRESHOLDS, RELATIVE_FLOORS):
        chosen = zero_shot.best_tags(probs, threshold=threshold, max_tags=max_tags, relative=relative)
        right = [sum(column in accepted_columns for column, _ in tags) for tags, accepted_columns in zip(chosen, good)]
        assigned = sum(len(tags) for tags in chosen)
        table.append(CalibrationRow(threshold=threshold, relative=relative, hit_rate=_mean([r > 0 for r in right]),
                                    precision=sum(right) / assigned if assigned else 0.0,
                                    tags_per_photo=assigned / max(len(chosen), 1),
                                    coverage=_mean([bool(tags) for tags in chosen])))
    return table


def _mean(values) -> float:
    values = list(values)
    return float(sum(values)) / len(values) if values else 0.0

