"""Writes of photo intake: validating and storing files (browser, API, folder imports), deleting
photos and queueing them again. Processing happens in the worker (`services.processing`)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from accounts.selectors import account_time_zone
from gallery import images
from gallery.models import Photo
from gallery.services.photo_metadata import read_upload_metadata
from gallery.services.processing import photos_enqueue_processing
from gallery.services.trash import photos_delete, photos_restore
from imagesearch.exceptions import ApplicationError


@dataclass(frozen=True)
class UploadOutcome:
    filename: str
    result: Literal["added", "duplicate", "rejected"]
    photo: Photo | None = None
    error: str = ""
    sha256: str = ""  # of an added file (a dry run's way to tell repeats apart)


def clean_file_name(name: str | None) -> str:
    """The user's file name as display data: no directories, no control characters, <= 255."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > 255:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: 250 - len(suffix)] + "…." + suffix) if dot and len(suffix) <= 10 else base[:254] + "…"
    return base or "unnamed"


def _sha256(file: File) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def photo_upload(*, owner, file: UploadedFile, enqueue: bool = True) -> UploadOutcome:
    """Validate and store one uploaded file; processing is queued after the commit
    (`enqueue=False` when the caller queues once for many files, or processes in-process)."""
    return photo_store(owner=owner, file=file, filename=clean_file_name(file.name), enqueue=enqueue)


def photo_store(*, owner, file: File, filename: str, file_mtime: datetime | None = None, external_path: str = "",
                fallback_tz: tzinfo | None = None, enqueue: bool = True, dry_run: bool = False) -> UploadOutcome:
    """The one way a photo comes in (uploads and folder imports): size limits, content dedup per
    owner (SHA-256), full decode, metadata; the original is copied into media storage, or with
    `external_path` referenced where it lies. `file_mtime`: an imported file's modification time
    (the date taken when EXIF has none); `fallback_tz`: the account's zone, when the caller has it.
    With `dry_run`, every check runs and nothing is stored ("added" then means "would be added")."""
    if not file.size:
        return UploadOutcome(filename=filename, result="rejected", error="The file is empty.")
    if file.size > settings.UPLOAD_MAX_BYTES:
        return UploadOutcome(filename=filename, result="rejected",
                             error=f"The file is {filesizeformat(file.size)}; the limit is "
                                   f"{filesizeformat(settings.UPLOAD_MAX_BYTES)}.")
    sha256 = _sha256(file)
    existing = Photo.objects.filter(owner=owner, sha256=sha256).first()
    if existing:
        if existing.trashed_at is not None and not dry_run:
            photos_restore(photos=[existing])  # brought in again: the owner wants it back
        return UploadOutcome(filename=filename, result="duplicate", photo=existing)
    try:
        file.seek(0)
        info = images.inspect(file, max_pixels=settings.UPLOAD_MAX_PIXELS,
                              fallback_tz=fallback_tz or account_time_zone(user=owner))
    except images.ImageRejected as exc:
        return UploadOutcome(filename=filename, result="rejected", error=exc.message)
    if dry_run:
        return UploadOutcome(filename=filename, result="added", sha256=sha256)

    now = timezone.now()
    photo = Photo(owner=owner, original_name=filename, sha256=sha256, content_type=info.content_type,
                  file_size=file.size, width=info.width, height=info.height, queued_at=now, metadata_read=True,
                  external_path=external_path,
                  **read_upload_metadata(image_info=info, file_mtime=file_mtime, uploaded_at=now))
    if not external_path:
        file.seek(0)
        photo.original.save(f"upload{images.EXTENSIONS[info.content_type]}", file, save=False)
    try:
        with transaction.atomic():
            photo.save()
            if enqueue:
                transaction.on_commit(photos_enqueue_processing)
    except IntegrityError:
        # The same file arrived twice at once; the other request stored it first.
        _discard_original(photo)
        return UploadOutcome(filename=filename, result="duplicate",
                             photo=Photo.objects.get(owner=owner, sha256=sha256))
    except Exception:
        _discard_original(photo)
        raise
    return UploadOutcome(filename=filename, result="added", photo=photo)


def _discard_original(photo: Photo) -> None:
    if photo.original:  # never an in-place import's file
        photo.original.storage.delete(photo.original.name)


def photos_upload(*, owner, files: list[UploadedFile]) -> list[UploadOutcome]:
    """Several files at once; one message to the worker for all of them."""
    if not files:
        raise ApplicationError("Choose one or more photos to upload.", field="files")
    if len(files) > settings.UPLOAD_MAX_FILES:
        raise ApplicationError(f"At most {settings.UPLOAD_MAX_FILES} files at once; this was {len(files)}.",
                               field="files")
    outcomes = [photo_upload(owner=owner, file=file, enqueue=False) for file in files]
    if any(outcome.result == "added" for outcome in outcomes):
        transaction.on_commit(photos_enqueue_processing)
    return outcomes


def photo_delete(*, photo: Photo) -> None:
    """Delete a photo for good (see services.trash for moving it to the trash)."""
    photos_delete(photos=[photo])


def photos_retry_failed(*, owner=None, photo_ids: list[int] | None = None) -> int:
    """Queue failed photos again (after fixing the model configuration, say): an owner's, or these."""
    failed = Photo.objects.filter(status=Photo.Status.FAILED)
    if owner is not None:
        failed = failed.filter(owner=owner)
    if photo_ids is not None:
        failed = failed.filter(pk__in=photo_ids)
    with transaction.atomic():
        count = failed.update(status=Photo.Status.PENDING, error="", attempts=0, queued_at=timezone.now())
        if count:
            transaction.on_commit(photos_enqueue_processing)
    return count
