from django.core.management.base import BaseCommand

from gallery.services.photo_metadata import photos_metadata_backfill
from gallery.services.processing import photos_preview_backfill


class Command(BaseCommand):
    help = ("Bring photos stored before metadata and previews existed up to date: read their EXIF (date taken "
            "with its offset, camera, exposure, GPS, place) and make their display-size previews. Safe to re-run.")

    def add_arguments(self, parser):
        parser.add_argument("--metadata", action="store_true", help="Only read metadata.")
        parser.add_argument("--previews", action="store_true", help="Only make previews.")

    def handle(self, *args, metadata: bool, previews: bool, **options):
        both = not (metadata or previews)
        if metadata or both:
            read = photos_metadata_backfill(progress=self._progress("metadata"))
            self.stdout.write(self.style.SUCCESS(f"Metadata read for {read:,} photo(s)."))
        if previews or both:
            made = photos_preview_backfill(progress=self._progress("previews"))
            self.stdout.write(self.style.SUCCESS(f"{made:,} preview(s) made."))

    def _progress(self, label: str):
        def show(done: int, total: int) -> None:
            self.stderr.write(f"\r{label}: {done:,}/{total:,}", ending="")
            if done >= total:
                self.stderr.write("")
        return show
