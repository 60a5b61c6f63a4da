from pathlib import Path

from django.core.management.base import CommandError

from benchmarks.datasets import CLASS_SETS, SPLITS
from benchmarks.management.base import DatabaseBenchmarkCommand
from benchmarks.quality import calibrate_folder, held_out_note
from benchmarks.tag_quality import TAG_PRECISION_TARGET, best_row
from search.selectors import embedding_models
from search.services import vocabulary


class Command(DatabaseBenchmarkCommand):
    help = ("Choose the active model's minimum tag probability on labeled photos (by default the unseen, "
            "held-out classes): prints how the share of photos tagged with their class (hit rate), the share of "
            "right tags (precision) and the share of photos with any tag (coverage) trade off, and with --save "
            f"stores the threshold that tags the most photos right at precision >= {TAG_PRECISION_TARGET}.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="class folders, e.g. ../shared/datasets/tiny_imagenet_val")
        parser.add_argument("--split", choices=SPLITS, default="test")
        parser.add_argument("--per-class", type=int, default=None)
        parser.add_argument("--classes", choices=CLASS_SETS, default="unseen",
                            help="unseen: the held-out classes (benchmarks.datasets.held_out_labels); seen; all")
        parser.add_argument("--save", action="store_true", help="Store the chosen threshold for the active model.")

    def handle(self, *args, folder: Path, split: str, per_class: int | None, classes: str, save: bool, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder of class folders.")
        if vocabulary.vocabulary_missing():
            vocabulary.vocabulary_build(progress=self.stderr.write)
        try:
            table = calibrate_folder(folder=folder, split=split, per_class_limit=per_class, classes=classes,
                                     progress=self.stderr.write)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if classes != "all":
            for line in held_out_note(folder=folder).lines():
                self.stdout.write(line)
        self.stdout.write(f"{'threshold':>9} {'relative':>8} {'hit rate':>8} {'precision':>9} {'coverage':>8} "
                          f"{'tags/photo':>10}")
        for row in table:
            self.stdout.write(f"{row.threshold:9.3f} {row.relative:8.2f} {row.hit_rate:8.3f} {row.precision:9.3f} "
                              f"{row.coverage:8.3f} {row.tags_per_photo:10.2f}")
        best = best_row(table)
        self.stdout.write(f"chosen: threshold {best.threshold}, relative {best.relative} (hit rate {best.hit_rate:.3f}, "
                          f"precision {best.precision:.3f}, coverage {best.coverage:.3f})")
        if save:
            model = embedding_models.active_model()
            model.tag_threshold, model.tag_relative_floor = best.threshold, best.relative
            model.save(update_fields=["tag_threshold", "tag_relative_floor"])
            self.stdout.write(self.style.SUCCESS(f"Saved {best.threshold} as the tag threshold of {model.key}; "
                                                 "run `manage.py retag` to re-tag existing photos."))
