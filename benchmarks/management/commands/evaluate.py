from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.datasets import SPLITS
from benchmarks.quality import evaluate_folder
from search.services import vocabulary


class Command(BaseCommand):
    help = ("Measure search quality on a folder of class folders (find-similar P@10 and mAP@10, "
            "text-to-image P@10) through the real upload and processing services, in a throwaway user.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="e.g. ../shared/datasets/caltech101")
        parser.add_argument("--split", choices=SPLITS, default="test",
                            help="test: every 5th file of each class (sorted by name); all: every file")
        parser.add_argument("--per-class", type=int, default=None, help="at most this many photos per class")

    def handle(self, *args, folder: Path, split: str, per_class: int | None, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder of class folders.")
        if vocabulary.vocabulary_missing():
            vocabulary.vocabulary_build(progress=self.stderr.write)
        try:
            report = evaluate_folder(folder=folder, split=split, per_class_limit=per_class,
                                     progress=lambda message: self.stderr.write(message))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
