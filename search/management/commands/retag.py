from django.core.management.base import BaseCommand

from search import tag_services


class Command(BaseCommand):
    help = ("Tag every ready photo again with the active model (after changing the vocabulary or the tag "
            "threshold). Tags the owners added or removed stay as they are.")

    def handle(self, *args, **options):
        marked = tag_services.tags_mark_stale()
        self.stdout.write(f"{marked:,} photo(s) to re-tag…")
        self.stdout.write(self.style.SUCCESS(f"{tag_services.tags_backfill(wait=True):,} photo(s) re-tagged."))
