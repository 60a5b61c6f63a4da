from pathlib import Path

from django.core.management.base import CommandError

from benchmarks.combined_weights import measure_combined
from benchmarks.datasets import default_datasets_root
from benchmarks.management.base import DatabaseBenchmarkCommand


class Command(DatabaseBenchmarkCommand):
    help = ("Sweep the weights of combined queries (image + words, words minus words) on a folder of class "
            "folders with the active model, exactly in memory; prints the share of the top 10 in each class.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, nargs="?", default=default_datasets_root() / "caltech101")
        parser.add_argument("--per-class", type=int, default=15, help="test photos per class")

    def handle(self, *args, folder: Path, per_class: int, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder of class folders.")
        try:
            report = measure_combined(folder=folder, per_class=per_class)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
