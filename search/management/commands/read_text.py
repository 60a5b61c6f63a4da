from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from search.selectors.photo_text import photos_awaiting_text
from search.services.photo_text import photo_text_enqueue, photo_texts_read


class Command(BaseCommand):
    help = ("Read the text in photos whose text has not been read (with --all: every photo again, e.g. "
            "after upgrading the recogniser). Runs here, showing progress; text read before stays "
            "searchable until its photo is read again. Safe to interrupt and run again.")

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Only this user's photos (username).")
        parser.add_argument("--all", dest="every", action="store_true", help="Read every photo again, not only those not read yet.")
        parser.add_argument("--background", action="store_true",
                            help="Queue it for the worker's ocr queue instead (photos not read yet only).")

    def handle(self, *args, user: str | None, every: bool, background: bool, **options):
        owner = None
        if user:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"No user named {user!r}.")
        if background:
            if every or owner:
                raise CommandError("--background reads every user's photos not read yet; drop --all and --user.")
            if not photo_text_enqueue():
                raise CommandError("Could not queue it: OCR_ENABLED is off, or the task broker is unreachable.")
            return self.stdout.write(self.style.SUCCESS("Queued reading text for the worker."))
        reread_before = timezone.now() if every else None
        waiting = photos_awaiting_text(owner=owner, reread_before=reread_before).count()
        self.stdout.write(f"{waiting} photo(s) to read.")
        read = photo_texts_read(owner=owner, reread_before=reread_before, yield_to_ingest=False,
                                progress=lambda done, total: self.stdout.write(f"read {done}/{total}"))
        if waiting and not read:
            raise CommandError("Another text reader is running (a worker); try again when it is done.")
        self.stdout.write(self.style.SUCCESS(f"Read the text of {read} photo(s)."))
