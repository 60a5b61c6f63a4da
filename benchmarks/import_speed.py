"""Folder import speed: photos/s from the start of `import_photos` to all ready, against the upload
pipeline (the same photos uploaded, then processed), both in this process with the active model.
Used by `benchmark_import` and `benchmark_report`."""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from benchmarks.datasets import PhotoFile
from gallery.services import imports, processing, uploads
from search.clip import encoders

WARM_UP = 100
logger = logging.getLogger(__name__)


@dataclass
class ImportSpeed:
    model: str
    photos: int
    source: str
    upload_photos_per_s: float
    import_photos_per_s: float

    @property
    def ratio(self) -> float:
        return self.import_photos_per_s / self.upload_photos_per_s if self.upload_photos_per_s else 0.0


def measure_import(*, photos: list[PhotoFile], source: str, log: Callable[[str], None] = lambda m: None) -> ImportSpeed:
    """Both paths from nothing to every photo ready, twice each (the mean is reported): uploads
    (validate, store) then the worker's pipeline, and a folder import of the same files then the
    same pipeline."""
    loaded = encoders.get_model()  # loaded outside the timings
    users: list = []
    with tempfile.TemporaryDirectory(prefix="benchmark-import-") as folder, _deleted_after(users):
        for index, (name, data) in enumerate(photos):
            path = Path(folder) / f"{index // 500:03d}" / name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
        def upload(owner):
            for name, data in photos:
                uploads.photo_upload(owner=owner, file=SimpleUploadedFile(name, data), enqueue=False)

        def folder_import(owner):
            imports.folder_import(owner=owner, root=Path(folder))

        # A warm-up pass first (the first batches pay for caches and the vocabulary's matrix), then
        # A B B A: whatever else the machine does falls on both sides alike.
        _timed(lambda owner: [uploads.photo_upload(owner=owner, file=SimpleUploadedFile(name, data), enqueue=False)
                              for name, data in photos[:WARM_UP]], users=users)
        rates: dict[str, list[float]] = {"upload": [], "import": []}
        for label, bring_in in (("upload", upload), ("import", folder_import), ("import", folder_import),
                                ("upload", upload)):
            rates[label].append(_timed(bring_in, users=users))
            log(f"{label}: {rates[label][-1]:.1f} photos/s")
        upload_rate, import_rate = (sum(rates[label]) / 2 for label in ("upload", "import"))
    return ImportSpeed(model=loaded.spec.key, photos=len(photos), source=source, upload_photos_per_s=upload_rate,
                       import_photos_per_s=import_rate)


@contextmanager
def _deleted_after(users: list):
    try:
        yield
    finally:
        with transaction.atomic():
            for user in users:
                user.delete()


def _timed(bring_in: Callable[[object], object], *, users: list) -> float:
    # Each pass has a user of its own, all deleted at the end: deleting thousands of vectors between
    # passes would leave autovacuum cleaning the HNSW index during the next one.
    user = get_user_model().objects.create_user(username=f"benchmark-import-{uuid.uuid4().hex[:8]}")
    users.append(user)
    started = time.perf_counter()
    bring_in(user)
    taken_in = time.perf_counter() - started
    while processing.photos_process_pending(batch_size=settings.CLIP_BATCH_SIZE):
        pass
    elapsed = time.perf_counter() - started
    logger.info("%s: in %.1f s, ready %.1f s later", user.username, taken_in, elapsed - taken_in)
    return user.photos.filter(status="ready").count() / elapsed if elapsed else 0.0
