from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search.selectors.gallery_indexes import gallery_index_status
from search.services.gallery_indexes import gallery_indexes_sync


class Command(BaseCommand):
    help = ("Give every gallery of at least SEARCH_GALLERY_INDEX_MIN_PHOTOS photos its own HNSW index "
            "(its searches then walk a graph of its own photos), and drop those of galleries that shrank "
            "below half of it. The worker's maintenance queue does the same every 15 minutes; this runs "
            "it now, showing progress. Safe to interrupt and run again.")

    def add_arguments(self, parser):
        parser.add_argument("--status", action="store_true", help="Only list the galleries with (or due) an index.")
        parser.add_argument("--min-photos", type=int, default=None,
                            help=f"Instead of SEARCH_GALLERY_INDEX_MIN_PHOTOS ({settings.SEARCH_GALLERY_INDEX_MIN_PHOTOS:,}).")

    def handle(self, *args, status: bool, min_photos: int | None, **options):
        if min_photos is not None and min_photos < 2:
            raise CommandError("--min-photos must be at least 2.")
        if not status:
            done = gallery_indexes_sync(min_photos=min_photos, progress=self.stdout.write)
            if done is None:
                raise CommandError("Another sync is running (a worker); try again when it is done.")
            self.stdout.write(self.style.SUCCESS(
                f"Built {len(done.built)} index(es), dropped {len(done.dropped)}, {done.kept} already in place."))
        rows = gallery_index_status(min_photos=min_photos)
        if not rows:
            return self.stdout.write("No gallery is large enough for an index of its own.")
        for row in rows:
            self.stdout.write(f"{row.owner}: {row.photos:,} photos ({row.model}), {row.state}")
