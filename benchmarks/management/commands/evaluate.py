from pathlib import Path

from django.core.management.base import CommandError

from benchmarks.datasets import SPLITS, list_labeled_photos
from benchmarks.management.base import DatabaseBenchmarkCommand
from benchmarks.quality import evaluate_folder, held_out_note, side_by_side
from benchmarks.text_quality import evaluate_text
from search.services import vocabulary

CLASS_CHOICES = ("both", "seen", "unseen", "all")


class Command(DatabaseBenchmarkCommand):
    help = ("Measure search quality on a folder of class folders (find-similar P@10 and mAP@10, word search "
            "P@10, tag precision and coverage; by default separately for the seen and the unseen (held-out) "
            "classes, side by side) and text in photos (OCR word recall/precision, search P@1 for rendered "
            "words), through the real upload and processing services, in a throwaway user.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="e.g. ../shared/datasets/caltech101")
        parser.add_argument("--split", choices=SPLITS, default="test",
                            help="test: every 5th file of each class (sorted by name); all: every file")
        parser.add_argument("--per-class", type=int, default=None, help="at most this many photos per class")
        parser.add_argument("--classes", choices=CLASS_CHOICES, default="both",
                            help="both: seen and unseen classes measured apart (benchmarks.datasets.held_out_labels); "
                                 "all: every class together")
        parser.add_argument("--text-photos", type=int, default=200,
                            help="text in photos: this many of the folder's photos with words rendered on them "
                                 "(OCR word recall/precision, search P@1); 0 leaves it out")
        parser.add_argument("--text-only", action="store_true", help="only the text-in-photos part")

    def handle(self, *args, folder: Path, split: str, per_class: int | None, classes: str, text_photos: int,
               text_only: bool, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder of class folders.")
        if vocabulary.vocabulary_missing():
            vocabulary.vocabulary_build(progress=self.stderr.write)
        if not text_only:
            self._write_class_reports(folder=folder, split=split, per_class=per_class, classes=classes)
        if text_photos:
            self._write_text_report(folder=folder, split=split, per_class=per_class, text_photos=text_photos)

    def _write_class_reports(self, *, folder: Path, split: str, per_class: int | None, classes: str) -> None:
        reports = self._reports(folder=folder, split=split, per_class=per_class, classes=classes)
        if classes != "all":
            for line in held_out_note(folder=folder).lines():
                self.stdout.write(line)
        for class_set, report in reports.items():
            self.stdout.write(f"== {class_set} classes ==")
            for line in report.lines():
                self.stdout.write(line)
        if len(reports) > 1:
            for line in side_by_side(reports):
                self.stdout.write(line)

    def _reports(self, *, folder: Path, split: str, per_class: int | None, classes: str) -> dict:
        """The evaluation of each class set that has photos in the folder."""
        reports = {}
        for class_set in ("seen", "unseen") if classes == "both" else (classes,):
            try:
                reports[class_set] = evaluate_folder(folder=folder, split=split, per_class_limit=per_class,
                                                     classes=class_set, progress=self.stderr.write)
            except ValueError as exc:
                if classes != "both":
                    raise CommandError(str(exc)) from exc
                self.stderr.write(f"{class_set} classes: {exc}")
        if not reports:
            raise CommandError(f"No photos under {folder} for split {split!r}.")
        return reports

    def _write_text_report(self, *, folder: Path, split: str, per_class: int | None, text_photos: int) -> None:
        labeled = list_labeled_photos(folder, split=split, per_class_limit=per_class)
        if not labeled:
            raise CommandError(f"No photos in class folders under {folder} for split {split!r}.")
        # Spread over the classes: every n-th photo of the sorted list.
        step = max(1, len(labeled) // text_photos)
        backgrounds = [(item.path, item.label) for item in labeled[::step]][:text_photos]
        report = evaluate_text(backgrounds=backgrounds, count=min(text_photos, len(backgrounds)),
                               progress=self.stderr.write)
        for line in report.lines():
            self.stdout.write(line)
