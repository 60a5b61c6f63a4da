from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imagesearch.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup made by `backup PATH` into the configured database (a fresh one: created, "
            "not migrated) and media storage.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--replace", action="store_true", help="overwrite a database that already has tables")

    def handle(self, *args, path: Path, replace: bool, **options):
        try:
            report = backup_restore(path=path, replace=replace, progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"restored the database and {report.files} file(s) from {report.path}"))
        self.stdout.write("Next: `python manage.py build_vocabulary` reloads the GloVe words (reference data that "
                          "backups leave out).")
