from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.datasets import SPLITS
from benchmarks.quality import evaluate_folder, held_out_note, side_by_side
from search.services import vocabulary

CLASS_CHOICES = ("both", "seen", "unseen", "all")


class Command(BaseCommand):
    help = ("Measure search quality on a folder of class folders (find-similar P@10 and mAP@10, word search "
            "P@10, tag precision and coverage) through the real upload and processing services, in a throwaway "
            "user; by default separately for the seen and the unseen (held-out) classes, side by side.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="e.g. ../shared/datasets/caltech101")
        parser.add_argument("--split", choices=SPLITS, default="test",
                            help="test: every 5th file of each class (sorted by name); all: every file")
        parser.add_argument("--per-class", type=int, default=None, help="at most this many photos per class")
        parser.add_argument("--classes", choices=CLASS_CHOICES, default="both",
                            help="both: seen and unseen classes measured apart (benchmarks.datasets.held_out_labels); "
                                 "all: every class together")

    def handle(self, *args, folder: Path, split: str, per_class: int | None, classes: str, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder of class folders.")
        if vocabulary.vocabulary_missing():
            vocabulary.vocabulary_build(progress=self.stderr.write)
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
