import time

from django.core.management.base import BaseCommand, CommandError

from search.services.tagging import tags_backfill
from search.services.vocabulary import vocabulary_build


class Command(BaseCommand):
    help = ("Load GloVe's 400,000 words into PostgreSQL (with an HNSW index), sync the tagging vocabulary "
            "(search/data/vocabulary.txt) and compute its CLIP text vectors for the active model; then tag "
            "photos that have no automatic tags yet. Safe to run again: it only does what is missing.")

    def add_arguments(self, parser):
        parser.add_argument("--reload-words", action="store_true", help="Load the GloVe words again.")
        parser.add_argument("--no-tagging", action="store_true", help="Do not tag untagged photos afterwards.")

    def handle(self, *args, reload_words: bool, no_tagging: bool, **options):
        started = time.monotonic()
        report = vocabulary_build(reload_words=reload_words, progress=self.stdout.write)
        if report is None:
            raise CommandError("Another process is building the vocabulary; try again when it has finished.")
        if report.skipped:
            self.stderr.write(f"Not in GloVe, skipped: {', '.join(report.skipped)}")
        if not no_tagging:
            tagged = tags_backfill(wait=True)
            self.stdout.write(f"{tagged:,} photo(s) tagged")
        self.stdout.write(self.style.SUCCESS(
            f"Vocabulary ready: {report.concepts:,} concepts, {report.glove_words:,} GloVe words "
            f"({time.monotonic() - started:.0f} s)."))
