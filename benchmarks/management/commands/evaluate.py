from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.datasets import SPLITS, list_labeled_photos
from benchmarks.quality import evaluate_folder
from benchmarks.text_quality import evaluate_text
from search.services import vocabulary


class Command(BaseCommand):
    help = ("Measure search quality on a folder of class folders (find-similar P@10 and mAP@10, "
            "text-to-image P@10) and text in photos (OCR word recall/precision, search P@1 for rendered words) "
            "through the real upload and processing services, in a throwaway user.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="e.g. ../shared/datasets/caltech101")
        parser.add_argument("--split", choices=SPLITS, default="test",
                            help="test: every 5th file of each class (sorted by name); all: every file")
        parser.add_argument("--per-class", type=int, default=None, help="at most this many photos per class")
        parser.add_argument("--text-photos", type=int, default=200,
                            help="text in photos: this many of the folder's photos with words rendered on them "
                                 "(OCR word recall/precision, search P@1); 0 leaves it out")
        parser.add_argument("--text-only", action="store_true", help="only the text-in-photos part")

    def handle(self, *args, folder: Path, split: str, per_class: int | None, text_photos: int, text_only: bool,
               **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder of class folders.")
        if vocabulary.vocabulary_missing():
            vocabulary.vocabulary_build(progress=self.stderr.write)
        if not text_only:
            try:
                report = evaluate_folder(folder=folder, split=split, per_class_limit=per_class,
                                         progress=lambda message: self.stderr.write(message))
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            for line in report.lines():
                self.stdout.write(line)
        if text_photos:
            labeled = list_labeled_photos(folder, split=split, per_class_limit=per_class)
            if not labeled:
                raise CommandError(f"No photos in class folders under {folder} for split {split!r}.")
            # Spread over the classes: every n-th photo of the sorted list.
            step = max(1, len(labeled) // text_photos)
            backgrounds = [(item.path, item.label) for item in labeled[::step]][:text_photos]
            text_report = evaluate_text(backgrounds=backgrounds, count=min(text_photos, len(backgrounds)),
                                        progress=lambda message: self.stderr.write(message))
            for line in text_report.lines():
                self.stdout.write(line)
