from pathlib import Path

from benchmarks.datasets import default_datasets_root, sample_photos
from benchmarks.ingest import measure_ingest, measure_ingest_with_ocr
from benchmarks.management.base import DatabaseBenchmarkCommand


class Command(DatabaseBenchmarkCommand):
    help = ("Ingest speed (stored upload -> ready: decode, thumbnail, embedding, database) next to model-only "
            "speed (encode_images on decoded images) for the active model and batch size.")

    def add_arguments(self, parser):
        parser.add_argument("--photos", type=int, default=160)
        parser.add_argument("--folder", type=Path, default=default_datasets_root() / "caltech101",
                            help="Labeled photo folder; generated JPEGs when it is missing.")
        parser.add_argument("--ocr", action="store_true",
                            help="Instead: ingest to ready with the text-in-photos stage off and on, and OCR photos/s.")

    def handle(self, *args, photos: int, folder: Path, ocr: bool, **options):
        files, source = sample_photos(count=photos, folder=folder)
        if ocr:
            speed = measure_ingest_with_ocr(photos=files, log=self.stderr.write)
            self.stdout.write(f"{speed.photos} photos ({source})")
            self.stdout.write(f"ingest, OCR off:                {speed.off_photos_per_s:.1f} photos/s")
            self.stdout.write(f"ingest, OCR on (reader yields): {speed.on_photos_per_s:.1f} photos/s "
                              f"({100 * speed.ratio:.0f}% of OCR off)")
            self.stdout.write(f"ingest, OCR on, not yielding:   {speed.on_not_yielding_photos_per_s:.1f} photos/s "
                              f"({100 * speed.not_yielding_ratio:.0f}%)")
            self.stdout.write(f"OCR alone:                      {speed.ocr_photos_per_s:.2f} photos/s")
            return
        speed = measure_ingest(photos=files, source=source, log=self.stderr.write)
        self.stdout.write(f"model {speed.model}, batch {speed.batch_size}, {speed.photos} photos ({speed.source})")
        self.stdout.write(f"model only: {speed.model_images_per_s:.1f} images/s")
        self.stdout.write(f"ingest:     {speed.ingest_photos_per_s:.1f} photos/s ({100 * speed.ratio:.0f}% of model-only)")
