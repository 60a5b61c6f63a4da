from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imagesearch.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the media (originals, thumbnails, previews) into a new folder PATH."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            report = backup_create(path=path, progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"backup in {report.path}: the database and {report.files} file(s), "
                                             f"{report.bytes} bytes"))
