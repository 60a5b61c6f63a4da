from django.core.management.base import BaseCommand

from search.services.tagging import tags_backfill, tags_mark_stale


class Command(BaseCommand):
    help = ("Tag every ready photo again with the active model (after changing the vocabulary or the tag "
            "threshold). Tags the owners added or removed stay as they are.")

    def handle(self, *args, **options):
        marked = tags_mark_stale()
        self.stdout.write(f"{marked:,} photo(s) to re-tag…")
        self.stdout.write(self.style.SUCCESS(f"{tags_backfill(wait=True):,} photo(s) re-tagged."))
