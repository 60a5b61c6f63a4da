"""Ingest speed: stored uploads -> ready (decode, thumbnail, embedding, tags, database) in this
process, against model-only speed on the same photos. Used by `benchmark_ingest` and `benchmark_report`."""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import override_settings
from PIL import Image

from benchmarks.datasets import PhotoFile
from gallery import images
from gallery.services import processing, uploads
from search import ocr
from search.clip import encoders
from search.models import PhotoText
from search.services.photo_text import photo_texts_read


@dataclass
class IngestSpeed:
    model: str
    batch_size: int
    photos: int
    source: str
    model_images_per_s: float
    ingest_photos_per_s: float

    @property
    def ratio(self) -> float:
        return self.ingest_photos_per_s / self.model_images_per_s if self.model_images_per_s else 0.0


def measure_ingest(*, photos: list[PhotoFile], source: str, log: Callable[[str], None] = lambda m: None) -> IngestSpeed:
    """Stored uploads -> ready (decode, thumbnail, embedding, tags, database) in this process, next to
    model-only speed (`encode_images` on the same photos, decoded beforehand), for the active model."""
    user = get_user_model().objects.create_user(username=f"benchmark-ingest-{uuid.uuid4().hex[:8]}")
    try:
        for name, data in photos:
            uploads.photo_upload(owner=user, file=SimpleUploadedFile(name, data), enqueue=False)
        count = user.photos.count()
        loaded = encoders.get_model()
        decoded = [images.load_rgb(io.BytesIO(data), max_pixels=settings.UPLOAD_MAX_PIXELS,
                                   fit_within=settings.THUMBNAIL_LONG_SIDE) for _, data in photos]
        encoders.encode_images(decoded[: settings.CLIP_BATCH_SIZE])  # warm-up
        model_rate = _encode_rate(decoded)
        log(f"model only: {model_rate:.1f} images/s; ingesting {count} photos…")
        started = time.perf_counter()
        finished = processing.photos_process_pending()
        ingest_rate = finished / (time.perf_counter() - started)
        # Best of two model-only passes, before and after: other work on the machine only slows one down.
        model_rate = max(model_rate, _encode_rate(decoded))
    finally:
        with transaction.atomic():
            user.delete()
    return IngestSpeed(model=loaded.spec.key, batch_size=settings.CLIP_BATCH_SIZE, photos=count, source=source,
                       model_images_per_s=model_rate, ingest_photos_per_s=ingest_rate)


def _encode_rate(decoded: list) -> float:
    started = time.perf_counter()
    encoders.encode_images(decoded)
    return len(decoded) / (time.perf_counter() - started)


@dataclass
class OcrIngestSpeed:
    """Ingest to ready with the text-in-photos stage off and on (a reader beside the ingest
    pipeline, as the ocr worker runs beside the ingest worker), and the reader's own speed."""

    photos: int
    off_photos_per_s: float
    on_photos_per_s: float  # the reader yields to ingest (the product's behaviour)
    on_not_yielding_photos_per_s: float  # a reader that does not: what the yielding saves
    ocr_photos_per_s: float  # reading alone, after ingest

    @property
    def ratio(self) -> float:
        return self.on_photos_per_s / self.off_photos_per_s if self.off_photos_per_s else 0.0

    @property
    def not_yielding_ratio(self) -> float:
        return self.on_not_yielding_photos_per_s / self.off_photos_per_s if self.off_photos_per_s else 0.0


def measure_ingest_with_ocr(*, photos: list[PhotoFile], log: Callable[[str], None] = lambda m: None) -> OcrIngestSpeed:
    """Each run: a throwaway user's stored uploads -> ready in this thread; with OCR on, a reader
    thread reads text meanwhile (polling like a worker whose queue keeps getting the stage's task),
    then finishes what is left. Rates are photos made ready per second of ingest."""
    encoders.get_model()
    ocr.read_lines(Image.new("RGB", (64, 64)))  # loads the recogniser
    rates, ocr_rate = {}, 0.0
    for mode in ("off", "on", "on-not-yielding", "off-again"):
        with override_settings(OCR_ENABLED=False):  # no stage tasks queued: the reader here does the work
            rates, ocr_rate = _ingest_run(mode=mode, photos=photos, rates=rates, ocr_rate=ocr_rate)
        log(f"ocr {mode}: {rates[mode]:.1f} photos/s")
    # Best of the two OCR-off runs, before and after: other work on the machine only slows one down.
    return OcrIngestSpeed(photos=len(photos), off_photos_per_s=max(rates["off"], rates["off-again"]),
                          on_photos_per_s=rates["on"], on_not_yielding_photos_per_s=rates["on-not-yielding"],
                          ocr_photos_per_s=ocr_rate)


def _ingest_run(*, mode: str, photos: list[PhotoFile], rates: dict, ocr_rate: float) -> tuple[dict, float]:
    user = get_user_model().objects.create_user(username=f"benchmark-ocr-{uuid.uuid4().hex[:8]}")
    try:
        for name, data in photos:
            uploads.photo_upload(owner=user, file=SimpleUploadedFile(name, data), enqueue=False)
        reader = None
        if mode.startswith("on"):
            reader = _Reader(owner=user, yield_to_ingest=mode == "on")
            reader.start()
        started = time.perf_counter()
        finished = processing.photos_process_pending()
        rates[mode] = finished / (time.perf_counter() - started)
        if reader:
            reader.stop()
        if mode == "on":  # reading alone: every photo of the run again
            PhotoText.objects.filter(owner=user).delete()
            started = time.perf_counter()
            ocr_rate = photo_texts_read(owner=user, yield_to_ingest=False) / (time.perf_counter() - started)
    finally:
        with transaction.atomic():
            user.delete()
    return rates, ocr_rate


class _Reader:
    """Reads text in a thread of its own (its own database connection) until stopped."""

    def __init__(self, *, owner, yield_to_ingest: bool):
        self.owner, self.yield_to_ingest = owner, yield_to_ingest
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ocr-reader", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()

    def _run(self) -> None:
        try:
            while not self.stopping.is_set():
                if not photo_texts_read(owner=self.owner, yield_to_ingest=self.yield_to_ingest, max_batches=1):
                    self.stopping.wait(0.5)  # as a worker would wait for the next task
        finally:
            connection.close()
