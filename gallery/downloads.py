"""Reads of photos as a zip archive, streamed. Each original is read in chunks and written through
zipfile's streaming mode (an unseekable sink: sizes and CRC follow each file in a data descriptor),
and every chunk is handed on as soon as it is written, so neither memory nor disk ever holds the
archive: a browser receives it as it is made. Photos are stored, not deflated (JPEG, HEIC and PNG
don't shrink)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.http import StreamingHttpResponse
from django.utils import timezone

from gallery.models import Photo

CHUNK_BYTES = 256 * 1024
ZIP_EPOCH = datetime(1980, 1, 1)  # the oldest time a zip entry can carry
MISSING_NAME = "MISSING.txt"


class _Sink:
    """Write-only and unseekable, so zipfile streams; `take` hands on what was written so far."""

    def __init__(self):
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def archive_names(photos: Iterable[Photo]) -> list[str]:
    """Each photo's file name in the archive: its own name, made unique ("a.jpg", "a (2).jpg")."""
    names, seen = [], set()
    for photo in photos:
        name = (photo.original_name or f"photo-{photo.pk}").replace("/", "_").replace("\\", "_")
        stem, dot, suffix = name.rpartition(".")
        stem, suffix = (stem, dot + suffix) if dot and stem else (name, "")
        candidate, number = name, 1
        while candidate.lower() in seen:
            number += 1
            candidate = f"{stem} ({number}){suffix}"
        seen.add(candidate.lower())
        names.append(candidate)
    return names


def _entry_time(photo: Photo) -> tuple[int, int, int, int, int, int]:
    """The photo's time for the zip entry: the camera's local clock when it is known."""
    moment = photo.taken_at or photo.created_at or timezone.now()
    if photo.taken_at is not None and photo.taken_at_offset_minutes is not None:
        moment = moment + timedelta(minutes=photo.taken_at_offset_minutes)
    local = moment.replace(tzinfo=None)
    return max(local, ZIP_EPOCH).timetuple()[:6]


def photos_zip(*, photos: list[Photo]) -> Iterator[bytes]:
    """The photos' originals as one zip archive, chunk by chunk. An original that can't be read
    (an in-place import moved away) is left out and named in MISSING.txt inside the archive."""
    sink = _Sink()
    missing = []
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for photo, name in zip(photos, archive_names(photos)):
            try:
                handle = photo.open_original(streamed=True)
            except (OSError, ValueError):  # ValueError: no stored file and no external path
                missing.append(name)
                continue
            with handle:
                info = zipfile.ZipInfo(name, date_time=_entry_time(photo))
                with archive.open(info, mode="w", force_zip64=photo.file_size >= zipfile.ZIP64_LIMIT) as entry:
                    while chunk := handle.read(CHUNK_BYTES):
                        entry.write(chunk)
                        yield sink.take()
            if data := sink.take():
                yield data
        if missing:
            archive.writestr(MISSING_NAME, "These photos' originals could not be read:\n" + "\n".join(missing) + "\n")
    yield sink.take()


def photos_zip_response(photos: list[Photo]) -> StreamingHttpResponse:
    """A download of the photos' originals as one zip, streamed (for the API and the pages)."""
    name = f"photos-{timezone.localdate():%Y-%m-%d}-{len(photos)}.zip"
    response = StreamingHttpResponse(photos_zip(photos=photos), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
