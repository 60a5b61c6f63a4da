from pathlib import Path

from benchmarks.datasets import default_datasets_root, sample_photos
from benchmarks.import_speed import measure_import
from benchmarks.management.base import DatabaseBenchmarkCommand


class Command(DatabaseBenchmarkCommand):
    help = ("Folder import speed (import_photos from start to all ready) against the upload pipeline on the same "
            "photos, in this process with the active model (CLIP_MODEL / CLIP_RANDOM_WEIGHTS choose it).")

    def add_arguments(self, parser):
        parser.add_argument("--photos", type=int, default=5000)
        parser.add_argument("--folder", type=Path, default=default_datasets_root() / "caltech101",
                            help="Labeled photo folder to sample; generated JPEGs when it is missing.")

    def handle(self, *args, photos: int, folder: Path, **options):
        files, source = sample_photos(count=photos, folder=folder)
        speed = measure_import(photos=files, source=source, log=self.stderr.write)
        self.stdout.write(f"model {speed.model}, {speed.photos} photos ({speed.source})")
        self.stdout.write(f"upload pipeline: {speed.upload_photos_per_s:.1f} photos/s from start to all ready")
        self.stdout.write(f"folder import:   {speed.import_photos_per_s:.1f} photos/s "
                          f"({100 * speed.ratio:.0f}% of the upload pipeline)")
