import json
import sys
import time
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gallery.services.imports import Candidate, ImportReport, folder_count, folder_import

PROGRESS_EVERY_SECONDS = 0.5  # redraw rate on a terminal; a log gets a line every 10 s


class Command(BaseCommand):
    help = ("Import a folder tree of photos into a user's gallery (recursively; hidden, system and sidecar files "
            "skipped). Re-running skips files already imported without reading them. The worker then processes "
            "the photos as it does uploads.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The folder to import.")
        parser.add_argument("--user", required=True, help="The username whose gallery receives the photos.")
        parser.add_argument("--dry-run", action="store_true", help="Check every file, store nothing.")
        parser.add_argument("--in-place", action="store_true",
                            help="Reference the originals where they are (nothing is copied or written into PATH).")
        parser.add_argument("--report", type=Path, default=None,
                            help="Where to write the JSON report (default: DATA_DIR/imports/<time>-<user>.json).")

    def handle(self, *args, path: Path, user: str, dry_run: bool, in_place: bool, report: Path | None, **options):
        if not path.is_dir():
            raise CommandError(f"{path} is not a folder (or cannot be read).")
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"There is no user {user!r}; sign up first (or check the spelling).")
        self.stderr.write(f"Counting files in {path.resolve()}…")
        self.total = folder_count(path)
        self.last_draw = 0.0
        self.tty = sys.stderr.isatty()
        self.stderr.write(f"{self.total:,} file(s) to look at{' (dry run: nothing is stored)' if dry_run else ''}.")
        result = folder_import(owner=owner, root=path, in_place=in_place, dry_run=dry_run, progress=self._progress)
        self._draw(result, final=True)
        self._summary(result)
        self._write_report(result, path=report or self._default_report(user))

    def _progress(self, report: ImportReport, item, outcome) -> None:
        if outcome is not None and outcome.result == "rejected":
            self.stderr.write(f"\r\033[Krejected {item.path}: {outcome.error}" if self.tty
                              else f"rejected {item.path}: {outcome.error}")
        if isinstance(item, Candidate):
            self._draw(report)

    def _draw(self, report: ImportReport, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last_draw < (PROGRESS_EVERY_SECONDS if self.tty else 10.0):
            return
        self.last_draw = now
        done = report.seen
        rate = done / report.seconds if report.seconds > 0 else 0.0
        eta = (self.total - done) / rate if rate and not final else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} seen · {report.added:,} added · "
                f"{report.already_there:,} already there · {report.rejected:,} rejected · "
                f"{rate:,.1f} files/s" + (f" · ETA {_duration(eta)}" if eta else ""))
        self.stderr.write(f"\r\033[K{line}" if self.tty else line, ending="" if self.tty and not final else "\n")

    def _summary(self, report: ImportReport) -> None:
        verb = "would be added" if report.dry_run else "added"
        skipped = ", ".join(f"{count:,} {reason}" for reason, count in sorted(report.skipped.items())) or "none"
        self.stdout.write(self.style.SUCCESS(
            f"Done in {_duration(report.seconds)}: {report.seen:,} seen, {report.added:,} {verb}, "
            f"{report.already_there:,} already there, {report.rejected:,} rejected; skipped: {skipped}."))
        for path, reason in report.rejections[:20]:
            self.stdout.write(f"  rejected {path}: {reason}")
        if len(report.rejections) > 20:
            self.stdout.write(f"  … and {len(report.rejections) - 20:,} more in the report file.")
        if report.added and not report.dry_run:
            self.stdout.write("The worker is making thumbnails, previews and search vectors; the gallery shows progress.")

    def _default_report(self, user: str) -> Path:
        return Path(settings.DATA_DIR) / "imports" / f"{datetime.now():%Y%m%d-%H%M%S}-{user}.json"

    def _write_report(self, report: ImportReport, *, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        self.stdout.write(f"Report: {path}")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"
