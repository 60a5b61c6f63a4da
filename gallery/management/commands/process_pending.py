from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from gallery.services.housekeeping import photos_release_claims
from gallery.services.processing import photos_process_pending
from gallery.services.uploads import photos_retry_failed


class Command(BaseCommand):
    help = "Process pending photos in this process (no broker needed); --retry-failed queues failed ones first."

    def add_arguments(self, parser):
        parser.add_argument("--retry-failed", action="store_true", help="Also retry photos that failed.")
        parser.add_argument("--release-stale", action="store_true",
                            help="Also take back photos a dead worker left in 'processing'.")

    def handle(self, *args, retry_failed: bool, release_stale: bool, **options):
        if retry_failed:
            self.stdout.write(f"{photos_retry_failed()} failed photo(s) queued again.")
        if release_stale:
            age = timedelta(seconds=settings.PROCESSING_REQUEUE_AFTER_SECONDS)
            self.stdout.write(f"{photos_release_claims(older_than=age)} stale claim(s) released.")
        finished = photos_process_pending()
        self.stdout.write(self.style.SUCCESS(f"{finished} photo(s) processed."))
