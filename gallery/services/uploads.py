"""Writes of upload intake: validating and storing files (browser, API), deleting photos and
queueing them again. Processing happens in the worker (`services.processing`)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from gallery import images
from gallery.models import Photo
from gallery.services.processing import photos_enqueue_processing
from imagesearch.exceptions import ApplicationError


@dataclass(frozen=True)
class UploadOutcome:
    filename: str
    result: Literal["added", "duplicate", "rejected"]
    photo: Photo | None = None
    error: str = ""


def clean_file_name(name: str | None) -> str:
    """The user's file name as display data: no directories, no control characters, <= 255."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > 255:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: 250 - len(suffix)] + "…." + suffix) if dot and len(suffix) <= 10 else base[:254] + "…"
    return base or "unnamed"


def _sha256(file: UploadedFile) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def photo_upload(*, owner, file: UploadedFile, enqueue: bool = True) -> UploadOutcome:
    """Validate and store one uploaded file; processing is queued after the commit
    (`enqueue=False` when the caller queues once for many files, or processes in-process)."""
    filename = clean_file_name(file.name)
    if not file.size:
        return UploadOutcome(filename=filename, result="rejected", error="The file is empty.")
    if file.size > settings.UPLOAD_MAX_BYTES:
        return UploadOutcome(filename=filename, result="rejected",
                             error=f"The file is {filesizeformat(file.size)}; the limit is "
                                   f"{filesizeformat(settings.UPLOAD_MAX_BYTES)}.")
    sha256 = _sha256(file)
    existing = Photo.objects.filter(owner=owner, sha256=sha256).first()
    if existing:
        return UploadOutcome(filename=filename, result="duplicate", photo=existing)
    try:
        info = images.inspect(file, max_pixels=settings.UPLOAD_MAX_PIXELS)
    except images.ImageRejected as exc:
        return UploadOutcome(filename=filename, result="rejected", error=exc.message)

    photo = Photo(owner=owner, original_name=filename, sha256=sha256, content_type=info.content_type,
                  file_size=file.size, width=info.width, height=info.height, taken_at=info.taken_at,
                  queued_at=timezone.now())
    file.seek(0)
    photo.original.save(f"upload{images.EXTENSIONS[info.content_type]}", file, save=False)
    try:
        with transaction.atomic():
            photo.save()
            if enqueue:
                transaction.on_commit(photos_enqueue_processing)
    except IntegrityError:
        # The same file arrived twice at once; the other request stored it first.
        photo.original.storage.delete(photo.original.name)
        return UploadOutcome(filename=filename, result="duplicate",
                             photo=Photo.objects.get(owner=owner, sha256=sha256))
    except Exception:
        photo.original.storage.delete(photo.original.name)
        raise
    return UploadOutcome(filename=filename, result="added", photo=photo)


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
    """Delete a photo, its vectors (cascade) and, after the commit, its files."""
    with transaction.atomic():
        # Lock and re-read: the worker may have just stored a thumbnail this instance doesn't know.
        Photo.objects.select_for_update().get(pk=photo.pk).delete()


def photos_retry_failed(*, owner=None) -> int:
    """Queue failed photos again (after fixing the model configuration, say)."""
    failed = Photo.objects.filter(status=Photo.Status.FAILED)
    if owner is not None:
        failed = failed.filter(owner=owner)
    with transaction.atomic():
        count = failed.update(status=Photo.Status.PENDING, error="", attempts=0, queued_at=timezone.now())
        if count:
            transaction.on_commit(photos_enqueue_processing)
    return count
