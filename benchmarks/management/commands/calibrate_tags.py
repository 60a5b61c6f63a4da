from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.datasets import SPLITS
from benchmarks.quality import calibrate_folder
from search.selectors import embedding_models
from search.services import vocabulary


class Command(BaseCommand):
    help = ("Choose the active model's minimum tag probability on labeled photos: prints how the share of "
            "photos tagged with their class (hit rate) and the share of right tags (precision) trade off, "
            "and with --save stores the threshold with the best balance (F1) for this model.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="class folders, e.g. ../shared/datasets/tiny_imagenet_val")
        parser.add_argument("--split", choices=SPLITS, default="test")
        parser.add_argument("--per-class", type=int, default=None)
        parser.add_argument("--save", action="store_true", help="Store the chosen threshold for the active model.")

    def handle(self, *args, folder: Path, split: str, per_class: int | None, save: bool, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder of class folders.")
        if vocabulary.vocabulary_missing():
            vocabulary.vocabulary_build(progress=self.stderr.write)
        table = calibrate_folder(folder=folder, split=split, per_class_limit=per_class, progress=self.stderr.write)
        self.stdout.write(f"{'threshold':>9} {'relative':>8} {'hit rate':>8} {'precision':>9} {'tags/photo':>10} {'F1':>6}")
        for row in table:
            self.stdout.write(f"{row.threshold:9.3f} {row.relative:8.2f} {row.hit_rate:8.3f} {row.precision:9.3f} "
                              f"{row.tags_per_photo:10.2f} {row.f1:6.3f}")
        best = max(table, key=lambda row: row.f1)
        self.stdout.write(f"best balance: threshold {best.threshold}, relative {best.relative}")
        if save:
            model = embedding_models.active_model()
            model.tag_threshold, model.tag_relative_floor = best.threshold, best.relative
            model.save(update_fields=["tag_threshold", "tag_relative_floor"])
            self.stdout.write(self.style.SUCCESS(f"Saved {best.threshold} as the tag threshold of {model.key}; "
                                                 "run `manage.py retag` to re-tag existing photos."))
